"""`desk central --certfile/--keyfile` serves HTTPS, and the client trusts it through
`--ca-bundle` (and refuses it without)."""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from launch import cli
from tests.central.server_fixture import _free_port
from tests.faults import harness

ROOT = Path(__file__).resolve().parents[2]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return certfile, keyfile


@pytest.fixture
def https_server(tmp_path):
    certfile, keyfile = _self_signed(tmp_path)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "central", "--db", str(tmp_path / "c.sqlite"), "--seed", "empty",
         "--host", "127.0.0.1", "--port", str(port), "--gateway-token", "gw",
         "--certfile", str(certfile), "--keyfile", str(keyfile)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT),
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        line = proc.stdout.readline()
        assert f"https://127.0.0.1:{port}/api/v1" in line, line + proc.stderr.read()
        url = f"https://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/api/v1/openapi.json", verify=str(certfile), timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
                time.sleep(0.05)
        yield url, certfile
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["--password-stdin", *argv], out=out, err=err,
                    stdin=io.StringIO(harness.PASSWORD + "\n"))
    return code, out.getvalue(), err.getvalue()


def test_https_with_a_ca_bundle(tmp_path, env, https_server):
    url, certfile = https_server
    # Without the station's CA the certificate is not trusted: one clear line, no profile.
    code, out, err = _run("--profile", str(tmp_path / "untrusted"), "login", "--server", url,
                          "--username", "officer1")
    assert code == cli.EXIT_FAILED and out == ""
    assert err.count("\n") == 1 and "CA bundle" in err and "Traceback" not in err
    code, out, err = _run("--profile", str(tmp_path / "p"), "login", "--server", url,
                          "--username", "officer1", "--ca-bundle", str(certfile))
    assert code == 0, err
    code, out, err = _run("--profile", str(tmp_path / "p"), "sync")
    assert code == 0 and out.startswith("synced: "), err
