"""Sessions and devices: login with its throttle, tokens, logout, the gateway token,
passwords and revoking a lost laptop's device secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from central.errors import ApiError
from central.service.common import Caller, Room, _caller, db_time, parse_db_time
from desk import wire

FAILURES_ALLOWED = 5
FAILURE_WINDOW = timedelta(minutes=1)
# scrypt cost: strong enough for a reference server, quick enough for tests that log in
# dozens of times.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                          p=SCRYPT_P, maxmem=64 * 1024 * 1024, dklen=32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SetPasswordRequest(BaseModel):
    password: str = Field(min_length=1, max_length=1000)


class RevokeResponse(BaseModel):
    device_id: str
    revoked_secrets: int
    revoked_sessions: int


class AuthRoom(Room):
    def login(self, username: str, password: str, device_name: str, device_id: str,
              *, now: datetime) -> dict[str, Any]:
        if not device_id:
            raise ApiError(400, "device_id_required", "send X-Device-Id")
        # The attempt is counted before the slow hash, atomically: counted only after
        # it, a burst of parallel guesses all passed the check before any failed.
        self._check_throttle(username, now)
        with self.db.read() as conn:
            row = conn.execute("SELECT * FROM officers WHERE username = ?", (username,)).fetchone()
        # Hash even for an unknown username, so timing does not tell which names exist.
        salt = row["pw_salt"] if row else b"\x00" * 16
        digest = hash_password(password, salt)
        if row is None or not hmac.compare_digest(digest, row["pw_hash"]):
            raise ApiError(401, "invalid_credentials", "wrong username or password")
        caller = _caller(row, device_id)
        token = secrets.token_urlsafe(32)
        expires = now + self.token_ttl
        with self.db.write() as conn:
            secret_row = conn.execute("SELECT secret FROM devices WHERE officer_id = ? AND device_id = ?",
                                      (caller.id, device_id)).fetchone()
            if secret_row is None:
                secret = base64.b64encode(secrets.token_bytes(32)).decode()
                conn.execute("INSERT INTO devices(officer_id, device_id, secret, created_at) VALUES (?,?,?,?)",
                             (caller.id, device_id, secret, db_time(now)))
            else:
                secret = secret_row["secret"]
            conn.execute("INSERT INTO sessions(token_hash, officer_id, device_id, device_name, created_at,"
                         " expires_at) VALUES (?,?,?,?,?,?)",
                         (token_hash(token), caller.id, device_id, device_name, db_time(now),
                          db_time(expires)))
            # Sessions long expired only tell "expired" from "unknown"; a day is plenty.
            conn.execute("DELETE FROM sessions WHERE expires_at < ?", (db_time(now - timedelta(days=1)),))
            conn.execute("DELETE FROM login_attempts WHERE username = ?", (username,))
        return {
            "token": token, "expires_at": wire.format_time(expires),
            "server_time": wire.format_time(now), "device_secret": secret,
            "officer": caller.wire().wire(),
        }

    def _check_throttle(self, username: str, now: datetime) -> None:
        """Count this attempt for the username, or refuse it with 429 when 5 were
        counted in the last minute. A successful login clears the count. The count is
        in the database, so it is one count for every worker that shares it."""
        with self.db.write() as conn:
            # Attempts older than the window count for nobody: forgetting them all here
            # keeps guessed usernames from growing the table without bound.
            conn.execute("DELETE FROM login_attempts WHERE at <= ?", (db_time(now - FAILURE_WINDOW),))
            row = conn.execute("SELECT COUNT(*) AS n, MIN(at) AS first FROM login_attempts"
                               " WHERE username = ?", (username,)).fetchone()
            if row["n"] >= FAILURES_ALLOWED:
                wait = (parse_db_time(row["first"]) + FAILURE_WINDOW - now).total_seconds()
                raise ApiError(429, "too_many_attempts", "too many failed logins; wait",
                               headers={"Retry-After": str(max(1, int(wait + 0.999)))})
            conn.execute("INSERT INTO login_attempts(username, at) VALUES (?, ?)", (username, db_time(now)))

    def authenticate(self, token: str | None, *, now: datetime) -> Caller:
        if not token:
            raise ApiError(401, "unauthorized", "a bearer token is required",
                           headers={"WWW-Authenticate": "Bearer"})
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT s.expires_at, s.revoked, s.device_id, o.* FROM sessions s"
                " JOIN officers o ON o.id = s.officer_id WHERE s.token_hash = ?",
                (token_hash(token),)).fetchone()
        if row is None or row["revoked"]:
            raise ApiError(401, "invalid_token", "unknown token",
                           headers={"WWW-Authenticate": "Bearer"})
        if parse_db_time(row["expires_at"]) <= now:
            raise ApiError(401, "token_expired", "the session expired; log in again",
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return _caller(row, row["device_id"])

    def _sessions_changed(self) -> None:
        # This worker's next request sees it at once; the others when the database's
        # notification reaches them (quietmemo.py).
        if self.quiet_memo is not None:
            self.quiet_memo.forget_sessions()

    def logout(self, token: str) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?", (token_hash(token),))
        self._sessions_changed()

    def check_gateway(self, token: str | None) -> None:
        if not token or not hmac.compare_digest(token.encode(), self.gateway_token.encode()):
            raise ApiError(401, "unauthorized", "the gateway token is required",
                           headers={"WWW-Authenticate": "Bearer"})

    def set_password(self, username: str, password: str) -> None:
        """Reference server only: lets tests change an officer's password."""
        salt = secrets.token_bytes(16)
        digest = hash_password(password, salt)
        with self.db.write() as conn:
            cur = conn.execute("UPDATE officers SET pw_salt = ?, pw_hash = ? WHERE username = ?",
                               (salt, digest, username))
            if cur.rowcount == 0:
                raise ApiError(404, "unknown_officer", "no such officer")

    def revoke_device(self, device_id: str, username: str | None = None) -> dict[str, Any]:
        """Forget the device secret of a lost laptop and end its sessions. Its next login
        gets a new secret, so the old encrypted cache can no longer be recovered."""
        with self.db.write() as conn:
            where, args = "device_id = ?", [device_id]
            if username is not None:
                row = conn.execute("SELECT id FROM officers WHERE username = ?", (username,)).fetchone()
                if row is None:
                    raise ApiError(404, "unknown_officer", "no such officer")
                where, args = "device_id = ? AND officer_id = ?", [device_id, row["id"]]
            secrets_gone = conn.execute(f"DELETE FROM devices WHERE {where}", args).rowcount
            sessions_gone = conn.execute(
                f"UPDATE sessions SET revoked = 1 WHERE revoked = 0 AND {where}", args).rowcount
        self._sessions_changed()
        return {"device_id": device_id, "revoked_secrets": secrets_gone,
                "revoked_sessions": sessions_gone}
