import base64
import os
import time

import pytest

from desk import keys

FAST = {"n": 2**10, "r": 8, "p": 1}


def test_wrap_round_trip_and_wrong_kek_or_aad():
    key, kek = keys.new_key(), os.urandom(32)
    blob = keys.wrap(key, kek, b"profile a")
    assert keys.unwrap(blob, kek, b"profile a") == key
    with pytest.raises(keys.WrongKey):
        keys.unwrap(blob, os.urandom(32), b"profile a")
    # A wrapped key copied into another profile does not open there.
    with pytest.raises(keys.WrongKey):
        keys.unwrap(blob, kek, b"profile b")
    assert key not in base64.b64decode(blob["ct"])


def test_password_wrapping():
    key = keys.new_key()
    blob = keys.wrap_with_password(key, "正确密码", b"p", FAST)
    assert blob["params"] == FAST and len(base64.b64decode(blob["salt"])) == keys.SALT_BYTES
    assert keys.unwrap_with_password(blob, "正确密码", b"p") == key
    with pytest.raises(keys.WrongKey):
        keys.unwrap_with_password(blob, "wrong", b"p")


def test_device_kek_is_deterministic_per_secret():
    secret = base64.b64encode(os.urandom(32)).decode()
    assert keys.device_kek(secret) == keys.device_kek(secret)
    assert keys.device_kek(secret) != keys.device_kek(base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(keys.WrongKey):
        keys.device_kek("not base64!!")


def test_default_scrypt_is_deliberately_slow():
    start = time.perf_counter()
    keys.password_kek("pw", keys.new_salt())
    # Tuned to about 0.3 s; on a loaded machine it is only slower.
    assert time.perf_counter() - start > 0.05
