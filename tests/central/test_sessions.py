"""Sessions over real HTTP: login, tokens, expiry, throttling, device secrets."""

from __future__ import annotations

import base64
from datetime import timedelta

import requests

from tests.central.conftest import Client
from tests.central.server_fixture import start_server
from tests.central.tiny_seed import TinySeed


def test_login_returns_token_officer_and_device_secret(server, login):
    client = login("officer1")
    body = client.login_body
    assert body["officer"] == {"id": "o-officer1", "username": "officer1", "name": "李警官",
                               "badge_no": "100002", "unit_id": "u-st1", "roles": ["officer"]}
    assert len(base64.b64decode(body["device_secret"])) == 32
    assert body["expires_at"] > body["server_time"]
    assert client.get("/summary").status_code == 200


def test_device_secret_is_kept_per_officer_and_device(server, login):
    first = login("officer1")
    again = Client(server, "officer1", device_id=first.device_id)
    other_device = login("officer1")
    other_officer = Client(server, "officer2", device_id=first.device_id)
    assert again.login_body["device_secret"] == first.login_body["device_secret"]
    assert other_device.login_body["device_secret"] != first.login_body["device_secret"]
    assert other_officer.login_body["device_secret"] != first.login_body["device_secret"]
    assert again.login_body["token"] != first.login_body["token"]


def test_revoking_a_device_ends_its_sessions_and_replaces_its_secret(server, login):
    client = login("officer1")
    old_secret = client.login_body["device_secret"]
    r = requests.delete(f"{server.api}/devices/{client.device_id}",
                        headers={"Authorization": f"Bearer {server.gateway_token}"})
    assert r.status_code == 200 and r.json()["revoked_secrets"] == 1
    assert client.get("/summary").status_code == 401
    assert client.login("officer1").status_code == 201
    assert client.login_body["device_secret"] != old_secret
    # Only the gateway token may revoke.
    r = client.delete(f"/devices/{client.device_id}")
    assert r.status_code == 401


def test_wrong_credentials_are_401_invalid_credentials(server):
    client = Client(server)
    for username, password in (("officer1", "wrong"), ("nobody", "demo-pass")):
        r = client.login(username, password)
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "invalid_credentials"


def test_more_than_five_failures_a_minute_are_throttled(server, clock):
    client = Client(server)
    for _ in range(5):
        assert client.login("officer2", "wrong").status_code == 401
    r = client.login("officer2", "demo-pass")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["code"] == "too_many_attempts"
    # Another username is not affected.
    assert Client(server).login("officer1").status_code == 201
    clock.advance(timedelta(seconds=61))
    assert client.login("officer2", "demo-pass").status_code == 201


def test_expired_token_is_token_expired_and_unknown_token_is_not(server, clock):
    client = Client(server, "officer1")
    clock.advance(timedelta(hours=12, seconds=1))
    r = client.get("/changes")
    assert r.status_code == 401 and r.json()["code"] == "token_expired"
    r = requests.get(f"{server.api}/changes", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
    r = requests.get(f"{server.api}/changes")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


def test_logout_ends_the_session(server, login):
    client = login("officer1")
    assert client.delete("/sessions/current").status_code == 204
    assert client.get("/summary").status_code == 401


def test_login_needs_a_device_id(server):
    r = requests.post(f"{server.api}/sessions", json={"username": "officer1", "password": "demo-pass"})
    assert r.status_code == 400 and r.json()["code"] == "device_id_required"


def test_admin_password_change(server, login):
    client = login("officer1")
    r = requests.post(f"{server.api}/admin/officers/officer1/password", json={"password": "new-pass"},
                      headers={"Authorization": f"Bearer {server.gateway_token}"})
    assert r.status_code == 204
    secret = client.login_body["device_secret"]
    assert client.login("officer1", "demo-pass").status_code == 401
    assert client.login("officer1", "new-pass").status_code == 201
    assert client.login_body["device_secret"] == secret
    # An officer's token is not the gateway token.
    r = client.post("/admin/officers/officer2/password", json={"password": "x"})
    assert r.status_code == 401
    r = requests.post(f"{server.api}/admin/officers/ghost/password", json={"password": "x"},
                      headers={"Authorization": f"Bearer {server.gateway_token}"})
    assert r.status_code == 404


def test_the_login_throttle_holds_across_workers(tmp_path, clock, db_target):
    """Two workers on one database (as behind a load balancer): the five failures a
    minute are counted once for both, not five per worker."""
    workers = [start_server(tmp_path / name, seed=TinySeed(), now=clock, db_path=db_target)
               for name in ("a", "b")]
    try:
        for i in range(5):
            assert Client(workers[i % 2]).login("officer2", "wrong").status_code == 401
        for worker in workers:
            r = Client(worker).login("officer2", "demo-pass")
            assert r.status_code == 429 and r.json()["code"] == "too_many_attempts"
        clock.advance(timedelta(seconds=61))
        assert Client(workers[1]).login("officer2", "demo-pass").status_code == 201
        # A success clears the count for every worker.
        for _ in range(2):
            for i in range(4):
                assert Client(workers[i % 2]).login("officer2", "wrong").status_code == 401
            assert Client(workers[0]).login("officer2", "demo-pass").status_code == 201
    finally:
        for worker in workers:
            worker.stop()
