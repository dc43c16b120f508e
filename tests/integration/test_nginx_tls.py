"""The deployment the README documents for a province: nginx in front terminating TLS
(installer/nginx/desk-central.conf, this very file with its marked lines set) and the
reference server with two workers on loopback behind it. A real desk logs in through
it, syncs work both ways, and keeps one TLS connection across its polls."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from desk.actions import Actions
from desk.session import login
from desk.sync import SyncLoop
from tests.central.server_fixture import _free_port
from tests.faults import harness
from tests.integration.test_https import _self_signed

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "installer" / "nginx" / "desk-central.conf"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)

pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (apt-get install nginx; .ci/run installs it)")


def _nginx_conf(folder: Path, listen: int, upstream: int, cert: Path, key: Path) -> Path:
    site = SAMPLE.read_text()
    site = site.replace("server 127.0.0.1:8765;", f"server 127.0.0.1:{upstream};")
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{listen} ssl;")
    site = site.replace("/etc/desk/central.crt", str(cert)).replace("/etc/desk/central.key", str(key))
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n  log_format desk '$connection \"$request\"';\n  access_log {folder}/access.log desk;\n"
        + "".join(f"  {name}_temp_path {folder}/{name};\n" for name in ("proxy", "fastcgi", "uwsgi", "scgi"))
        + f"  client_body_temp_path {folder}/body;\n{site}\n}}\n")
    return conf


def _wait(url: str, proc: subprocess.Popen, **kw) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            requests.get(f"{url}/api/v1/openapi.json", timeout=2, **kw)
            return
        except requests.ConnectionError:
            assert proc.poll() is None and time.monotonic() < deadline, "did not start"
            time.sleep(0.1)


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def province(tmp_path):
    cert, key = _self_signed(tmp_path)
    upstream, listen = _free_port(), _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "central", "--db", str(tmp_path / "c.sqlite"), "--seed", "empty",
         "--host", "127.0.0.1", "--port", str(upstream), "--gateway-token", "gw", "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=str(ROOT),
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    folder = tmp_path / "nginx"
    folder.mkdir()
    conf = _nginx_conf(folder, listen, upstream, cert, key)
    nginx = None
    try:
        _wait(f"http://127.0.0.1:{upstream}", server)
        check = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(conf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        nginx = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"https://127.0.0.1:{listen}"
        _wait(url, nginx, verify=str(cert))
        yield url, cert, listen, folder
    finally:
        if nginx is not None:
            _stop(nginx)
        _stop(server)


def test_a_desk_syncs_through_nginx_terminating_tls(tmp_path, env, province):
    url, cert, _, folder = province
    # Plain HTTP to the TLS port is refused, the certificate is checked.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{url}/api/v1/openapi.json", timeout=10)
    session = login(url, "officer1", harness.PASSWORD, profile_dir=tmp_path / "profile", ca_bundle=str(cert))
    try:
        gateway = {"Authorization": "Bearer gw"}
        case = requests.post(f"{url}/api/v1/intake", headers=gateway, verify=str(cert), timeout=30, json={
            "kind": "consultation", "category": "户政", "channel": "portal", "title": "经代理的咨询",
            "body": "请问办理居住证需要哪些材料？", "unit_id": session.officer.unit_id,
            "citizen": {"name": "张伟明", "phone": "13912345678", "id_number": "140105199001011234"}}).json()
        engine = harness.engine_for(session)
        assert engine.run_cycle().finished
        assert session.store.synced_case(case["id"]) is not None
        actions = Actions(session.store, session.actor)
        actions.claim(case["id"])
        note = actions.note(case["id"], "经 TLS 代理补录的走访记录")
        # The sync loop polls through nginx: every poll on one TLS connection.
        reports = []
        logged = len((folder / "access.log").read_text().splitlines())
        loop = SyncLoop(engine, interval=0.2, on_report=reports.append)
        loop.start()
        harness.wait_until(lambda: len(reports) >= 6, timeout=60, what="six sync cycles")
        loop.stop()
        assert all(r.finished for r in reports), [r.error for r in reports]
        assert reports[0].applied == 2
        lines = (folder / "access.log").read_text().splitlines()[logged:]
        polls = [line.split()[0] for line in lines if '"GET /api/v1/changes' in line]
        assert len(polls) >= 6
        assert len(set(polls)) == 1, polls  # nginx's connection serial number: one for all
        # What the desk sent is on the server, once, read back through the proxy.
        chief = requests.Session()
        chief.verify = str(cert)
        chief.trust_env = False  # a REQUESTS_CA_BUNDLE in the environment would win over verify
        token = chief.post(f"{url}/api/v1/sessions", json={"username": "chief1", "password": harness.PASSWORD,
                                                            "device_name": "check"},
                           headers={"X-Device-Id": str(uuid.uuid4())}, timeout=30).json()["token"]
        chief.headers["Authorization"] = f"Bearer {token}"
        page = chief.get(f"{url}/api/v1/changes", params={"limit": 1000}, timeout=30).json()
        server_case = next(c["case"] for c in page["changes"] if c["op"] == "upsert" and c["case"]["id"] == case["id"])
        assert [e["op_id"] for e in server_case["entries"]].count(note) == 1
        assert server_case["assignee_id"] == session.officer.id
    finally:
        session.close()


def test_the_sample_config_says_what_the_readme_says():
    text = SAMPLE.read_text()
    assert "keepalive_timeout 75s;" in text  # a 60 s poller keeps its connection
    assert "proxy_http_version 1.1;" in text and 'proxy_set_header Connection "";' in text
    assert "installer/nginx/desk-central.conf" in (ROOT / "README.md").read_text()
