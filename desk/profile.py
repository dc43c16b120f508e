"""Officer profiles: one folder per officer and server, holding the encrypted cache and
profile.json (the wrapped database key and who the profile belongs to, never case data,
never a token). The session token lives in the OS keyring (TokenVault) or in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs
import sqlcipher3

from desk import keys
from desk.attachments import Budget
from desk.logsafe import log_unexpected
from desk.store import Store, StoreError

log = logging.getLogger(__name__)

CONFIG_FILE = "profile.json"
DB_FILE = "cache.db"
CONFIG_DIR_ENV = "DESK_CONFIG_DIR"
DATA_DIR_ENV = "DESK_DATA_DIR"


class WrongPassword(Exception):
    def __init__(self, message: str = "wrong password for this profile") -> None:
        super().__init__(message)


class ProfileError(Exception):
    pass


class CacheLost(ProfileError):
    """The profile's cache is missing, empty or unreadable: the unsent work it held
    (`queued`, when the profile recorded it) is gone. Never a silent fresh start; the
    officer starts afresh explicitly (Profile.reset_cache)."""

    def __init__(self, message: str, queued: int | None = None) -> None:
        super().__init__(message)
        self.queued = queued


_UMASK_LOCK = threading.RLock()
_SAVE_LOCK = threading.RLock()


@contextmanager
def private_files() -> Iterator[None]:
    """Files and folders created inside are the user's only (0600 and 0700): the umask
    is set for their creation, so no other user can open them even for an instant, as
    they could between a create and a chmod. SQLite creates the -wal and -shm files with
    the main file's mode. On Windows the umask is ignored and the profile lives in the
    user's own folder, which only they may read."""
    with _UMASK_LOCK:
        old = os.umask(0o077)
        try:
            yield
        finally:
            os.umask(old)


def profiles_root() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    base = Path(override) if override else Path(platformdirs.user_data_dir("desk", appauthor=False))
    return base / "profiles"


def _config_dir() -> Path:
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_config_dir("desk", appauthor=False))


def install_device_id() -> str:
    """A uuid made once per install; the server ties the device secret to it."""
    folder = _config_dir()
    path = folder / "device-id"
    try:
        text = path.read_text("ascii").strip()
        return str(uuid.UUID(text))
    except (OSError, ValueError):
        pass
    with private_files():
        folder.mkdir(parents=True, exist_ok=True)
        device_id = str(uuid.uuid4())
        _write_private(path, device_id + "\n")
    return device_id


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def profile_dir(server_url: str, username: str, root: Path | None = None) -> Path:
    parts = urlsplit(server_url if "//" in server_url else "//" + server_url)
    host = parts.hostname or "local"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    # Folder names must be valid on Windows too, so ':' and friends become '_'.
    name = f"{_UNSAFE.sub('_', username)}@{_UNSAFE.sub('_', host)}_{port}"
    return (root if root is not None else profiles_root()) / name


def _write_private(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a crash never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    with private_files():
        # A leftover .tmp of another mode would keep its mode through O_CREAT.
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_private(path: Path, text: str) -> None:
    """Write a small file of the user's only, whole or not at all."""
    _write_private(path, text)


@dataclass
class ProfileConfig:
    server_url: str
    username: str
    officer: dict
    ca_bundle: str | None
    device_id: str
    wrapped: dict = field(default_factory=dict)
    # What the profile knows of its cache, so a missing or emptied cache.db is noticed
    # and what it held can be named: when it was created, the highest op seq queued,
    # the last seq the server acknowledged, how many ops and conflicts were waiting.
    cache: dict = field(default_factory=dict)
    # How much of the cache attachments may take: {max_file_mib, max_total_mib}
    # (desk.attachments.Budget; defaults 20 MiB a file, 2048 MiB in all).
    attachments: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any) -> ProfileConfig:
        """A config from profile.json, every field checked: a tampered or damaged file is
        a ProfileError naming what is wrong, never a TypeError further on."""
        if not isinstance(data, Mapping):
            raise ValueError("not a JSON object")

        def text(name: str, optional: bool = False) -> Any:
            value = data.get(name)
            if value is None and optional:
                return None
            if not isinstance(value, str) or (not optional and not value):
                raise ValueError(f"{name!r} must be a text")
            return value

        def mapping(name: str) -> dict:
            value = data.get(name)
            if value is None:
                return {}
            if not isinstance(value, Mapping):
                raise ValueError(f"{name!r} must be an object")
            return dict(value)

        wrapped = mapping("wrapped")
        for name, blob in wrapped.items():
            if not isinstance(blob, Mapping):
                raise ValueError(f"the wrapped key {name!r} must be an object")
        cache = mapping("cache")
        for name in ("highest_seq", "acked_seq", "queued", "conflicts"):
            if name in cache and (not isinstance(cache[name], int) or isinstance(cache[name], bool)
                                  or cache[name] < 0):
                raise ValueError(f"cache.{name} must be a whole number")
        return cls(
            server_url=text("server_url"), username=text("username"),
            officer=mapping("officer"), ca_bundle=text("ca_bundle", optional=True),
            device_id=text("device_id", optional=True) or "", wrapped=wrapped, cache=cache,
            attachments=mapping("attachments"),
        )


def _officer_dict(officer: Any) -> dict:
    if officer is None:
        return {}
    if hasattr(officer, "model_dump"):
        return officer.model_dump(mode="json")
    return dict(officer)


class Profile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db_path = self.path / DB_FILE
        self.config_path = self.path / CONFIG_FILE
        self._config: ProfileConfig | None = None
        # The key this process last unwrapped with a password, beside a MAC of that
        # password under the key and the wrapping's salt: checking the same password
        # again (a command that unlocks, then logs in) costs a MAC, not a second scrypt.
        # The password itself is never kept.
        self._unwrapped: tuple[str, bytes, bytes] | None = None

    def exists(self) -> bool:
        return self.config_path.is_file()

    @property
    def config(self) -> ProfileConfig | None:
        if self._config is None and self.exists():
            try:
                self._config = ProfileConfig.from_dict(json.loads(self.config_path.read_text("utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ProfileError(f"the profile file {self.config_path} is damaged: {exc}") from exc
        return self._config

    def _aad(self, cfg: ProfileConfig) -> bytes:
        return f"desk profile {cfg.username}@{cfg.server_url}".encode()

    def _save(self, cfg: ProfileConfig) -> None:
        # One writer at a time: the app records the outbox from worker threads, and two
        # writers would share profile.json.tmp.
        with _SAVE_LOCK:
            with private_files():
                self.path.mkdir(parents=True, exist_ok=True)
            _write_private(self.config_path, json.dumps(asdict(cfg), ensure_ascii=False, indent=2))
            self._config = cfg

    def _require(self) -> ProfileConfig:
        cfg = self.config
        if cfg is None:
            raise ProfileError(f"no profile at {self.path}")
        return cfg

    def create(self, *, password: str, device_secret: str, server_url: str, username: str,
               officer: Any, ca_bundle: str | None, device_id: str,
               scrypt_params: Mapping[str, int] | None = None) -> Store:
        if self.exists():
            raise ProfileError(f"a profile exists already at {self.path}; wipe it first")
        with private_files():
            self.path.mkdir(parents=True, exist_ok=True)
        # A cache left without its profile.json can never be opened again: start clean.
        for leftover in self._db_files():
            leftover.unlink(missing_ok=True)
        cfg = ProfileConfig(server_url=server_url, username=username, officer=_officer_dict(officer),
                            ca_bundle=ca_bundle, device_id=device_id)
        key = keys.new_key()
        aad = self._aad(cfg)
        cfg.wrapped = {
            "password": keys.wrap_with_password(key, password, aad, scrypt_params),
            "device": keys.wrap(key, keys.device_kek(device_secret), aad),
        }
        with private_files():
            store = Store.open(self.db_path, key)
        cfg.cache = {"created_at": _now_text()}
        self._save(cfg)
        self.record_cache(store)
        return store

    def _key_from_password(self, cfg: ProfileConfig, password: str) -> bytes:
        blob = cfg.wrapped.get("password") if isinstance(cfg.wrapped, dict) else None
        salt = str(blob.get("salt")) if isinstance(blob, dict) else ""
        if self._unwrapped is not None:
            seen_salt, mac, key = self._unwrapped
            if seen_salt == salt and hmac.compare_digest(mac, _password_mac(key, password)):
                return key
        try:
            key = keys.unwrap_with_password(cfg.wrapped["password"], password, self._aad(cfg))
        except keys.DamagedWrapping as exc:
            raise ProfileError(f"the profile file {self.config_path} is damaged: {exc}") from exc
        except (keys.WrongKey, KeyError) as exc:
            raise WrongPassword() from exc
        self._unwrapped = (salt, _password_mac(key, password), key)
        return key

    def _key_from_device(self, cfg: ProfileConfig, device_secret: str) -> bytes:
        try:
            return keys.unwrap(cfg.wrapped["device"], keys.device_kek(device_secret), self._aad(cfg))
        except keys.DamagedWrapping as exc:
            raise ProfileError(f"the profile file {self.config_path} is damaged: {exc}") from exc
        except (keys.WrongKey, KeyError) as exc:
            raise WrongPassword("neither the password nor the device secret opens this profile") from exc

    def lost_work(self) -> str:
        """What the profile last recorded of its outbox, as words for an error."""
        cache = (self.config.cache if self.config else {}) or {}
        queued, conflicts = cache.get("queued"), cache.get("conflicts")
        if queued is None:
            return "whether it held unsent work cannot be told"
        words = f"{queued} queued operation{'s' if queued != 1 else ''} were in the lost cache"
        if queued:
            words += f" (seq {cache.get('acked_seq', 0) + 1} to {cache.get('highest_seq', 0)})"
        if conflicts:
            words += f", and {conflicts} open conflict{'s' if conflicts != 1 else ''}"
        return words

    def _open_cache(self, key: bytes) -> Store:
        """Open the existing cache; a missing, empty or unreadable one is CacheLost."""
        try:
            size = self.db_path.stat().st_size
        except FileNotFoundError:
            size = None
        except OSError as exc:
            raise CacheLost(f"the cache {self.db_path} cannot be read ({exc.strerror}); "
                            f"{self.lost_work()}", self._recorded_queued()) from exc
        if size is None or size == 0:
            what = "is missing" if size is None else "is empty"
            raise CacheLost(f"the cache {self.db_path} {what}: {self.lost_work()}. "
                            f"Run `desk reset-cache` to start afresh", self._recorded_queued())
        try:
            with private_files():
                store = Store.open(self.db_path, key)
            store.attachment_budget = Budget.from_config(self.config.attachments if self.config else {})
            return store
        except (StoreError, sqlcipher3.DatabaseError) as exc:
            raise CacheLost(f"{exc}; {self.lost_work()}. Run `desk check`, or `desk reset-cache` "
                            f"to start afresh", self._recorded_queued()) from exc

    def _recorded_queued(self) -> int | None:
        cache = (self.config.cache if self.config else {}) or {}
        return cache.get("queued")

    def unlock(self, password: str) -> Store:
        cfg = self._require()
        return self._open_cache(self._key_from_password(cfg, password))

    def unlock_with_device_secret(self, device_secret: str, new_password: str) -> Store:
        cfg = self._require()
        key = self._key_from_device(cfg, device_secret)
        store = self._open_cache(key)
        params = cfg.wrapped.get("password", {}).get("params")
        cfg.wrapped["password"] = keys.wrap_with_password(key, new_password, self._aad(cfg), params)
        self._save(cfg)
        return store

    def record_cache(self, store: Store) -> None:
        """Note in profile.json how far the outbox got, so a lost cache can say what it
        held. Called when a cache is opened, after an action or a sync, and at close."""
        with _SAVE_LOCK:
            cfg = self.config
            if cfg is None:
                return
            try:
                highest, queued, lowest, conflicts = store.outbox_marks()
            except StoreError:
                return
            cache = dict(cfg.cache)
            cache.setdefault("created_at", _now_text())
            cache.update({"highest_seq": highest, "acked_seq": (lowest - 1) if lowest else highest,
                          "queued": queued, "conflicts": conflicts})
            if cache != cfg.cache:
                cfg.cache = cache
                self._save(cfg)

    def reset_cache(self, password: str) -> tuple[Store, str]:
        """Start afresh with an empty cache, explicitly: the old cache files (and the
        unsent work in them) are deleted. Returns the new store and what was lost."""
        cfg = self._require()
        key = self._key_from_password(cfg, password)
        lost = self.lost_work()
        for leftover in self._db_files():
            leftover.unlink(missing_ok=True)
        with private_files():
            store = Store.open(self.db_path, key)
            store.attachment_budget = Budget.from_config(cfg.attachments)
        cfg.cache = {"created_at": _now_text(), "reset_from": lost}
        self._save(cfg)
        self.record_cache(store)
        return store, lost

    def update_after_login(self, *, password: str, device_secret: str, officer: Any) -> None:
        cfg = self._require()
        try:
            key = self._key_from_password(cfg, password)
        except WrongPassword:
            key = self._key_from_device(cfg, device_secret)
            params = cfg.wrapped.get("password", {}).get("params")
            cfg.wrapped["password"] = keys.wrap_with_password(key, password, self._aad(cfg), params)
        cfg.wrapped["device"] = keys.wrap(key, keys.device_kek(device_secret), self._aad(cfg))
        cfg.officer = _officer_dict(officer)
        self._save(cfg)

    def _db_files(self) -> list[Path]:
        return [self.db_path, self.db_path.with_name(DB_FILE + "-wal"),
                self.db_path.with_name(DB_FILE + "-shm"), self.db_path.with_name(DB_FILE + "-journal")]

    def wipe(self) -> None:
        self._config = None
        self._unwrapped = None
        if self.path.exists():
            shutil.rmtree(self.path)


def _password_mac(key: bytes, password: str) -> bytes:
    return hmac.new(key, password.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()


def _keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError:
        return False
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # keyring's backends raise what their platform raises while probed
        # No keyring is a normal machine (the token stays in memory); say where, at most.
        log_unexpected(log, "no keyring: probing its backends failed", exc, level=logging.INFO)
        return False
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return False
    backends = getattr(backend, "backends", None)
    if backends is not None and not [b for b in backends if not isinstance(b, (fail.Keyring, null.Keyring))]:
        return False
    return True


class TokenVault:
    """Session tokens in the OS keyring; with no usable keyring, in memory only (the
    officer then logs in again after a restart), never in a file."""

    def __init__(self, service: str = "desk") -> None:
        self.service = service
        self.available = _keyring_usable()
        self._memory: dict[str, str] = {}
        self._warned = False
        self._lock = threading.Lock()
        if not self.available:
            self._warn()

    def _warn(self) -> None:
        if not self._warned:
            self._warned = True
            log.warning("no usable OS keyring: session tokens are kept in memory only")

    @staticmethod
    def _name(server_url: str, username: str) -> str:
        return f"{username}@{server_url}"

    def get(self, server_url: str, username: str) -> str | None:
        name = self._name(server_url, username)
        with self._lock:
            if name in self._memory or not self.available:
                return self._memory.get(name)
        import keyring
        from keyring.errors import KeyringError
        try:
            return keyring.get_password(self.service, name)
        except KeyringError:
            self._fall_back()
            return None

    def set(self, server_url: str, username: str, token: str) -> None:
        name = self._name(server_url, username)
        if self.available:
            import keyring
            from keyring.errors import KeyringError
            try:
                keyring.set_password(self.service, name, token)
                return
            except KeyringError:
                self._fall_back()
        with self._lock:
            self._memory[name] = token

    def delete(self, server_url: str, username: str) -> None:
        name = self._name(server_url, username)
        with self._lock:
            self._memory.pop(name, None)
        if self.available:
            import keyring
            from keyring.errors import KeyringError, PasswordDeleteError
            try:
                keyring.delete_password(self.service, name)
            except PasswordDeleteError:
                pass
            except KeyringError:
                self._fall_back()

    def _fall_back(self) -> None:
        self.available = False
        self._warn()
