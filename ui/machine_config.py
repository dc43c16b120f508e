"""The machine-wide configuration an administrator deploys (Qt-free).

A site installs Desk on many shared workstations; instead of every officer typing the
server address, the installer (or an administrator) drops one TOML file:

    Linux    /etc/desk/desk.toml
    Windows  %PROGRAMDATA%\\Desk\\desk.toml
    macOS    /Library/Application Support/Desk/desk.toml

The environment variable DESK_MACHINE_CONFIG names another file (tests, portable
installs). Keys, both optional:

    server_url = "https://desk.example.gov.cn"
    ca_bundle  = "/etc/desk/ca.pem"     # a relative path is taken from the file's folder

A missing file is not an error; an unreadable or malformed one is reported to the caller
(the app shows it and falls back to asking).
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ENV_VAR = "DESK_MACHINE_CONFIG"


class MachineConfigError(Exception):
    pass


@dataclass(frozen=True)
class MachineConfig:
    server_url: str | None = None
    ca_bundle: str | None = None
    source: Path | None = None


def default_path(platform: str | None = None, environ: dict | None = None) -> Path:
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    if platform.startswith("win"):
        base = environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(base) / "Desk" / "desk.toml"
    if platform == "darwin":
        return Path("/Library/Application Support/Desk/desk.toml")
    return Path("/etc/desk/desk.toml")


def config_path(environ: dict | None = None) -> Path:
    environ = os.environ if environ is None else environ
    override = environ.get(ENV_VAR)
    return Path(override) if override else default_path(environ=environ)


def _valid_url(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def load(path: Path | None = None) -> MachineConfig:
    """Read the machine config; an empty MachineConfig when there is none."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return MachineConfig()
    except OSError as exc:
        raise MachineConfigError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MachineConfigError(f"{path} is not valid TOML: {exc}") from exc
    server_url = data.get("server_url")
    ca_bundle = data.get("ca_bundle")
    if server_url is not None:
        if not isinstance(server_url, str) or not _valid_url(server_url.strip()):
            raise MachineConfigError(f"{path}: server_url must be an http(s) URL")
        server_url = server_url.strip().rstrip("/")
    if ca_bundle is not None:
        if not isinstance(ca_bundle, str) or not ca_bundle.strip():
            raise MachineConfigError(f"{path}: ca_bundle must be a file path")
        bundle = Path(ca_bundle.strip())
        if not bundle.is_absolute():
            bundle = path.parent / bundle
        ca_bundle = str(bundle)
    return MachineConfig(server_url=server_url, ca_bundle=ca_bundle, source=path)
