"""Wrapping of the cache's database key.

The database key is 32 random bytes that never touch the disk in the clear. It is kept
wrapped twice in profile.json: under a key derived from the officer's password (scrypt,
so a stolen laptop means a slow offline guess per password) and under a key derived from
the device secret the server returns at every login (so a password changed on the server
does not lock the officer out of unsent work). AES-GCM with associated data naming the
profile, so a wrapped key copied into another profile does not unwrap there.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
ALGORITHM = "AES-256-GCM"
# About 0.3 s on an office laptop: slow enough for guessing, quick enough for unlocking.
DEFAULT_SCRYPT = {"n": 2**16, "r": 8, "p": 1}
_SCRYPT_MAXMEM = 256 * 1024 * 1024
_DEVICE_INFO = b"desk device kek v1"


class WrongKey(Exception):
    """The key-encryption key does not open this wrapped key."""


class DamagedWrapping(WrongKey):
    """A wrapped key that is not what this module writes (a damaged or tampered
    profile.json): refused before any work, so `n=2**30` cannot ask for a gigabyte."""


# The bounds a profile's scrypt parameters must keep; DEFAULT_SCRYPT is well inside.
MAX_SCRYPT_N = 2**20
MAX_SCRYPT_R = 32
MAX_SCRYPT_P = 16


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def password_kek(password: str, salt: bytes, params: Mapping[str, int] | None = None) -> bytes:
    p = dict(DEFAULT_SCRYPT if params is None else params)
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=int(p["n"]), r=int(p["r"]), p=int(p["p"]),
        maxmem=_SCRYPT_MAXMEM, dklen=KEY_BYTES,
    )


def device_kek(device_secret_b64: str) -> bytes:
    try:
        secret = _unb64(device_secret_b64)
    except (ValueError, UnicodeEncodeError) as exc:
        raise WrongKey("the device secret is not valid base64") from exc
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_DEVICE_INFO).derive(secret)


def wrap(key: bytes, kek: bytes, aad: bytes) -> dict[str, Any]:
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(kek).encrypt(nonce, key, aad)
    return {"alg": ALGORITHM, "nonce": _b64(nonce), "ct": _b64(ciphertext)}


def _check_params(params: Any) -> dict[str, int]:
    if not isinstance(params, Mapping):
        raise DamagedWrapping("the scrypt parameters are not an object")
    checked = {}
    for name, top in (("n", MAX_SCRYPT_N), ("r", MAX_SCRYPT_R), ("p", MAX_SCRYPT_P)):
        value = params.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
            raise DamagedWrapping(f"the scrypt parameter {name} must be a whole number from 1 to {top}")
        checked[name] = value
    if checked["n"] < 2 or checked["n"] & (checked["n"] - 1):
        raise DamagedWrapping("the scrypt parameter n must be a power of two")
    if 128 * checked["r"] * (checked["n"] + checked["p"] + 2) > _SCRYPT_MAXMEM:
        raise DamagedWrapping("the scrypt parameters ask for more memory than allowed")
    return checked


def unwrap(blob: Mapping[str, Any], kek: bytes, aad: bytes) -> bytes:
    if not isinstance(blob, Mapping):
        raise DamagedWrapping("the wrapped key is not an object")
    if not isinstance(blob.get("nonce"), str) or not isinstance(blob.get("ct"), str):
        raise DamagedWrapping("the wrapped key has no nonce or ciphertext")
    if blob.get("alg") != ALGORITHM:
        raise WrongKey(f"unknown key wrapping {blob.get('alg')!r}")
    try:
        return AESGCM(kek).decrypt(_unb64(blob["nonce"]), _unb64(blob["ct"]), aad)
    except (InvalidTag, KeyError, ValueError) as exc:
        raise WrongKey("the key does not open this wrapped key") from exc


def wrap_with_password(
    key: bytes, password: str, aad: bytes, params: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """Wrap under a fresh salt; the salt and scrypt parameters travel with the blob."""
    salt = new_salt()
    p = dict(DEFAULT_SCRYPT if params is None else params)
    blob = wrap(key, password_kek(password, salt, p), aad)
    blob.update({"kdf": "scrypt", "salt": _b64(salt), "params": p})
    return blob


def unwrap_with_password(blob: Mapping[str, Any], password: str, aad: bytes) -> bytes:
    if not isinstance(blob, Mapping):
        raise DamagedWrapping("the password-wrapped key is not an object")
    try:
        salt = _unb64(blob["salt"])
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise DamagedWrapping("the password-wrapped key has no valid salt") from exc
    params = _check_params(blob.get("params"))
    if not isinstance(blob.get("nonce"), str) or not isinstance(blob.get("ct"), str):
        raise DamagedWrapping("the password-wrapped key has no nonce or ciphertext")
    return unwrap(blob, password_kek(password, salt, params), aad)
