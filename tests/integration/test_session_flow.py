"""Logging in, opening offline, a password changed on the server, and where the token
lives, against the real reference server."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from desk.actions import Actions
from desk.api import AuthError
from desk.profile import TokenVault, WrongPassword
from desk.session import connect, last_profile, login, logout, open_offline
from tests.faults import harness


def files_under(*folders: Path):
    for folder in folders:
        if folder.exists():
            yield from (p for p in folder.rglob("*") if p.is_file())


def test_wrong_password_at_login_and_offline(tmp_path, env, server):
    profile = tmp_path / "p"
    with pytest.raises(AuthError) as info:
        login(server.url, "officer1", "wrong", profile_dir=profile)
    assert info.value.code == "invalid_credentials"
    assert not (profile / "profile.json").exists()

    session = login(server.url, "officer1", harness.PASSWORD, profile_dir=profile)
    session.close()
    with pytest.raises(WrongPassword, match="wrong password for this profile"):
        open_offline(profile, "wrong")
    again = open_offline(profile, harness.PASSWORD)
    assert again.officer.username == "officer1"
    assert again.client is None  # no keyring here: the token lived in memory only
    again.close()


def test_password_changed_on_server_recovers_cache_and_unsent_work(tmp_path, env, server):
    profile = tmp_path / "p"
    case = harness.intake(server, harness.officer_unit(server, "officer1"))
    session = login(server.url, "officer1", harness.PASSWORD, profile_dir=profile)
    assert harness.engine_for(session).run_cycle().finished
    claim = Actions(session.store, session.actor).claim(case["id"])
    session.close()

    harness.set_password(server, "officer1", "新的密码-2026")
    with pytest.raises(AuthError):
        login(server.url, "officer1", harness.PASSWORD, profile_dir=profile)
    session = login(server.url, "officer1", "新的密码-2026", profile_dir=profile)
    assert [o.op_id for o in session.store.outbox()] == [claim]
    assert harness.engine_for(session).run_cycle().finished
    assert session.store.outbox_count() == 0
    session.close()

    # Offline, the new password opens the cache and the old one no longer does.
    with pytest.raises(WrongPassword):
        open_offline(profile, harness.PASSWORD)
    offline = open_offline(profile, "新的密码-2026")
    assert offline.store.case(case["id"])["assignee_id"] == offline.officer.id
    offline.close()


def test_no_keyring_token_stays_in_memory_and_cli_logs_in_again(tmp_path, env, server, caplog):
    profile = tmp_path / "p"
    vault = TokenVault()
    assert not vault.available
    session = login(server.url, "officer1", harness.PASSWORD, profile_dir=profile, vault=vault)
    token = session.client.token
    assert token and vault.get(server.url, "officer1") == token
    session.close()
    for path in files_under(tmp_path / "config", tmp_path / "data", profile):
        assert token.encode() not in path.read_bytes(), path
    # A new process has no token: open offline, then log in again with the password.
    offline = open_offline(profile, harness.PASSWORD, vault=TokenVault())
    assert offline.client is None
    connect(offline, harness.PASSWORD)
    assert offline.client.token and offline.client.token != token
    assert harness.engine_for(offline).run_cycle().finished
    offline.close()
    assert last_profile() == profile.resolve()


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        self.items.pop((service, username), None)


def test_token_in_keyring_survives_restart_and_logout_forgets_it(tmp_path, env, server):
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        profile = tmp_path / "p"
        session = login(server.url, "officer1", harness.PASSWORD, profile_dir=profile,
                        vault=TokenVault())
        token = session.client.token
        assert list(backend.items.values()) == [token]
        session.close()
        reopened = open_offline(profile, harness.PASSWORD, vault=TokenVault())
        assert reopened.client is not None and reopened.client.token == token
        assert harness.engine_for(reopened).run_cycle().finished
        logout(reopened, wipe=True)
        assert backend.items == {}
        assert not profile.exists()
    finally:
        keyring.set_keyring(previous)
