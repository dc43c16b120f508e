"""The login flow shared by the CLI and the desktop app.

Logging in proves the officer to the server and opens (or creates) their encrypted
cache. The cache key is wrapped under the password and under the device secret the
server returns at every login, so when the password was changed on the server the old
cache is still recovered. Opening offline needs only the password.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import requests

from desk.api import ApiError, AuthError, CentralClient, ServerRefused, TransportError
from desk.logsafe import log_unexpected
from desk.profile import (
    CONFIG_DIR_ENV,
    Profile,
    ProfileError,
    TokenVault,
    WrongPassword,
    install_device_id,
    private_files,
    write_private,
)
from desk.profile import (
    profile_dir as default_profile_dir,
)
from desk.rules import Actor
from desk.sync import backoff_delay
from desk.wire import LoginResponse, Officer

log = logging.getLogger(__name__)

LAST_PROFILE_FILE = "last-profile.json"

__all__ = [
    "Session", "login", "open_offline", "logout", "connect", "actor_of",
    "remember_profile", "last_profile", "WrongPassword", "ProfileError", "Reconnector",
    "server_answers",
]


def actor_of(officer: Officer) -> Actor:
    return Actor(id=officer.id, unit_id=officer.unit_id, roles=tuple(officer.roles))


@dataclass
class Session:
    profile: Profile
    store: Any  # desk.store.Store
    client: CentralClient | None
    officer: Officer
    actor: Actor
    server_url: str
    username: str
    vault: TokenVault = field(repr=False, default_factory=TokenVault)
    ca_bundle: str | None = None

    @property
    def online(self) -> bool:
        return self.client is not None and bool(self.client.token)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        try:
            # How far the outbox got, so a cache lost later can say what it held.
            self.profile.record_cache(self.store)
        except (ProfileError, OSError) as exc:
            log.warning("could not record the outbox in the profile: %s", exc)
        self.store.close()


def _config_dir() -> Path:
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_config_dir("desk", appauthor=False))


def remember_profile(path: Path, server_url: str, username: str) -> None:
    """Record the last profile used: the folder, server URL and username only."""
    folder = _config_dir()
    with private_files():
        folder.mkdir(parents=True, exist_ok=True)
    data = {"path": str(Path(path).resolve()), "server_url": server_url, "username": username}
    write_private(folder / LAST_PROFILE_FILE, json.dumps(data))


def last_profile() -> Path | None:
    try:
        data = json.loads((_config_dir() / LAST_PROFILE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("path"):
        return Path(data["path"])
    if data.get("server_url") and data.get("username"):
        return default_profile_dir(data["server_url"], data["username"])
    return None


def forget_last_profile(path: Path) -> None:
    current = last_profile()
    if current is not None and Path(current).resolve() == Path(path).resolve():
        (_config_dir() / LAST_PROFILE_FILE).unlink(missing_ok=True)


def _open_profile(profile: Profile, answer: LoginResponse, password: str, *, server_url: str,
                  username: str, ca_bundle: str | None, device_id: str):
    if not profile.exists():
        return profile.create(
            password=password, device_secret=answer.device_secret, server_url=server_url,
            username=username, officer=answer.officer, ca_bundle=ca_bundle, device_id=device_id,
        )
    cfg = profile.config
    if cfg is not None and (cfg.username != username or cfg.server_url.rstrip("/") != server_url.rstrip("/")):
        raise ProfileError(
            f"the profile at {profile.path} belongs to {cfg.username} on {cfg.server_url}"
        )
    try:
        store = profile.unlock(password)
    except WrongPassword:
        # The server accepted this password, so it was changed there: recover the
        # cache with the device secret and re-wrap it under the new password.
        log.info("profile password differs from the server's; recovering with the device secret")
        store = profile.unlock_with_device_secret(answer.device_secret, password)
    profile.update_after_login(password=password, device_secret=answer.device_secret,
                               officer=answer.officer)
    return store


def login(
    server_url: str,
    username: str,
    password: str,
    *,
    profile_dir: Path | str | None = None,
    ca_bundle: str | None = None,
    device_name: str = socket.gethostname(),
    vault: TokenVault | None = None,
) -> Session:
    """Log in on the server and open the officer's cache (creating it the first time).

    Raises desk.api.AuthError on wrong credentials, desk.api.TransportError when the
    server cannot be reached, WrongPassword when neither the password nor the device
    secret opens an existing cache (the device was revoked: wipe the profile)."""
    server_url = server_url.rstrip("/")
    vault = vault or TokenVault()
    device_id = install_device_id()
    client = CentralClient(server_url, device_id=device_id, ca_bundle=ca_bundle)
    try:
        answer = client.login(username, password, device_name)
        path = Path(profile_dir) if profile_dir else default_profile_dir(server_url, username)
        profile = Profile(path)
        store = _open_profile(profile, answer, password, server_url=server_url, username=username,
                              ca_bundle=ca_bundle, device_id=device_id)
    except BaseException:
        client.close()
        raise
    vault.set(server_url, username, answer.token)
    remember_profile(profile.path, server_url, username)
    profile.record_cache(store)
    return Session(profile=profile, store=store, client=client, officer=answer.officer,
                   actor=actor_of(answer.officer), server_url=server_url, username=username,
                   vault=vault, ca_bundle=ca_bundle)


def open_offline(profile_dir: Path | str, password: str, *, vault: TokenVault | None = None) -> Session:
    """Open a cache with the password alone. The client is set up with the stored token
    when there is one (it may have expired: the first 401 says so), else it is None."""
    profile = Profile(Path(profile_dir))
    cfg = profile.config
    if cfg is None:
        raise ProfileError(f"no profile at {profile.path}; log in first")
    store = profile.unlock(password)
    try:
        officer = Officer.model_validate(cfg.officer)
    except ValueError as exc:
        store.close()
        raise ProfileError(f"the profile file {profile.config_path} is damaged: the officer is unreadable") from exc
    profile.record_cache(store)
    vault = vault or TokenVault()
    token = vault.get(cfg.server_url, cfg.username)
    client = None
    if token:
        client = CentralClient(cfg.server_url, device_id=cfg.device_id or install_device_id(),
                               ca_bundle=cfg.ca_bundle, token=token)
    return Session(profile=profile, store=store, client=client, officer=officer,
                   actor=actor_of(officer), server_url=cfg.server_url, username=cfg.username,
                   vault=vault, ca_bundle=cfg.ca_bundle)


def connect(session: Session, password: str, *, device_name: str = socket.gethostname()) -> CentralClient:
    """Log in again on an open session (no token stored, or it expired) and keep the
    profile's wrapping in step with the server's device secret."""
    cfg = session.profile.config
    device_id = (cfg.device_id if cfg and cfg.device_id else install_device_id())
    client = session.client or CentralClient(session.server_url, device_id=device_id,
                                             ca_bundle=session.ca_bundle)
    answer = client.login(session.username, password, device_name)
    session.profile.update_after_login(password=password, device_secret=answer.device_secret,
                                       officer=answer.officer)
    session.client = client
    session.officer = answer.officer
    session.actor = actor_of(answer.officer)
    session.vault.set(session.server_url, session.username, answer.token)
    return client


def logout(session: Session, wipe: bool = False) -> None:
    """End the server session (if reachable), forget the token, close the cache; with
    wipe, delete the whole profile (unsent work included)."""
    if session.client is not None and session.client.token:
        try:
            session.client.logout()
        except ApiError as exc:
            # Offline or expired: the token is forgotten locally either way.
            log.info("server logout failed: %s", exc)
    session.vault.delete(session.server_url, session.username)
    session.close()
    if wipe:
        session.profile.wipe()
        forget_last_profile(session.profile.path)


def server_answers(server_url: str, *, ca_bundle: str | None = None, timeout: float = 5.0) -> bool:
    """True when the server answers HTTP at all. One unauthenticated GET whose answer
    (401 from any server that keeps the contract) costs the server no password hash and
    carries no personal data; a login is attempted only after this succeeds."""
    from desk.wire import API_PREFIX

    with requests.Session() as http:
        http.trust_env = False  # as CentralClient: no environment proxy for police traffic
        http.verify = ca_bundle if ca_bundle else True
        try:
            resp = http.get(f"{server_url.rstrip('/')}{API_PREFIX}/summary", timeout=(timeout, timeout),
                            allow_redirects=False)
        except requests.RequestException:
            return False
        resp.close()
        # A gateway's "service unavailable" means the platform itself is still away.
        return resp.status_code not in (502, 503, 504)


class Reconnector(threading.Thread):
    """Brings a session opened offline back online without a restart.

    Checks for the server with exponential backoff and jitter (from `base` up to
    `maximum` seconds, so queued work leaves within about `maximum` seconds of the link
    returning), and once it answers logs in with the password the officer gave when
    unlocking. That password lives only in this object, in memory, for exactly this; it
    is dropped once the login succeeds or is refused. Plain thread, no Qt: callbacks run
    on this thread.

    on_attempt()                 an attempt starts
    on_waiting(reason, next_at)  it failed; next try at `next_at` (time.time() seconds);
                                 reason is "unreachable" or "busy"
    on_connected(client)         logged in; the caller hands the client to the sync loop
    on_refused(error)            the server refused the password (changed there): the
                                 officer must log in; no more attempts
    """

    def __init__(
        self,
        session: Session,
        password: str,
        *,
        on_attempt: Callable[[], None] = lambda: None,
        on_waiting: Callable[[str, float], None] = lambda reason, next_at: None,
        on_connected: Callable[[CentralClient], None] = lambda client: None,
        on_refused: Callable[[BaseException], None] = lambda error: None,
        base: float = 2.0,
        maximum: float = 30.0,
        rng: random.Random | None = None,
    ):
        super().__init__(name="desk-reconnect", daemon=True)
        self.session = session
        self._password: str | None = password
        self.on_attempt = on_attempt
        self.on_waiting = on_waiting
        self.on_connected = on_connected
        self.on_refused = on_refused
        self.base = base
        self.maximum = maximum
        self.rng = rng or random.Random()
        self.failures = 0
        self.attempts = 0
        self.next_try_at: float | None = None
        self._wake = threading.Event()
        self._stop_event = threading.Event()

    def try_now(self) -> None:
        """The officer asked (F5): try at once and start the backoff over."""
        self.failures = 0
        self._wake.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop_event.set()
        self._wake.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)
        self._password = None

    def _delay(self, retry_after: float | None) -> float:
        return backoff_delay(self.failures, self.base, self.maximum, self.rng, retry_after)

    def _attempt(self) -> tuple[str, float | None]:
        """One check-then-login. Returns ("connected" | "refused" | "unreachable" |
        "busy", retry_after)."""
        if not server_answers(self.session.server_url, ca_bundle=self.session.ca_bundle):
            return "unreachable", None
        password = self._password
        if password is None:
            return "refused", None
        try:
            client = connect(self.session, password)
        except AuthError as exc:
            self._password = None
            self.on_refused(exc)
            return "refused", None
        except ServerRefused as exc:
            if exc.status == 429:
                return "busy", 60.0
            self._password = None
            self.on_refused(exc)
            return "refused", None
        except TransportError as exc:
            return ("busy" if exc.retry_after is not None else "unreachable"), exc.retry_after
        except (ApiError, ProfileError, WrongPassword, OSError) as exc:
            self._password = None
            self.on_refused(exc)
            return "refused", None
        self._password = None
        if self._stop_event.is_set():
            # The officer logged out or quit meanwhile: nobody wants this client.
            client.close()
            return "connected", None
        self.on_connected(client)
        return "connected", None

    def run(self) -> None:
        while not self._stop_event.is_set():
            self._wake.clear()
            self.attempts += 1
            self.next_try_at = None
            self.on_attempt()
            try:
                outcome, retry_after = self._attempt()
            except Exception as exc:  # never let the thread die silently; try again later
                log_unexpected(log, "reconnect attempt crashed", exc)
                outcome, retry_after = "unreachable", None
            if outcome in ("connected", "refused") or self._stop_event.is_set():
                return
            self.failures += 1
            delay = self._delay(retry_after)
            self.next_try_at = time.time() + delay
            self.on_waiting(outcome, self.next_try_at)
            self._wake.wait(delay)
