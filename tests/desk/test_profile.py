import base64
import logging
import os
import subprocess
import sys
import uuid

import pytest
from test_store_factory import (
    CITIZEN_ID,
    CITIZEN_NAME,
    CITIZEN_PHONE,
    OFFICER,
    make_case,
    reference,
    upsert,
)

from desk.actions import Actions
from desk.profile import (
    Profile,
    ProfileError,
    TokenVault,
    WrongPassword,
    install_device_id,
    profile_dir,
)
from desk.wire import Officer

FAST = {"n": 2**10, "r": 8, "p": 1}
SERVER = "https://127.0.0.1:8443"
ME = Officer(id="o1", username="officer1", name="李明", unit_id="s1", roles=["officer"])
CASE_BODY = "驾驶员反映去年的违章罚款交给饭店老板代缴，至今未处理"
NOTE_BODY = "已与交警秩序科核实，罚款从未缴纳，系诈骗"


def secret() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def new_profile(tmp_path, device_secret):
    profile = Profile(profile_dir(SERVER, "officer1", root=tmp_path))
    store = profile.create(password="demo-pass", device_secret=device_secret, server_url=SERVER,
                           username="officer1", officer=ME, ca_bundle=None,
                           device_id=str(uuid.uuid4()), scrypt_params=FAST)
    return profile, store


def test_profile_dir_is_per_officer_and_server(tmp_path):
    a = profile_dir("https://desk.example.cn:8443", "officer1", root=tmp_path)
    assert a == tmp_path / "officer1@desk.example.cn_8443"
    assert a != profile_dir("https://desk.example.cn:8443", "officer2", root=tmp_path)
    assert a != profile_dir("https://other.example.cn:8443", "officer1", root=tmp_path)


def test_no_file_in_the_profile_holds_case_data_in_plain_text(tmp_path):
    device_secret = secret()
    profile, store = new_profile(tmp_path, device_secret)
    store.save_reference(reference(), None)
    store.apply_changes([upsert(make_case(1, assignee_id="o1", status="accepted", body=CASE_BODY))], "c")
    actions = Actions(store, OFFICER)
    actions.note("case-1", NOTE_BODY)
    actions.reply("case-1", "您好，罚款未缴纳，请通过本省平台缴纳")
    token_vault = TokenVault()
    token_vault.set(SERVER, "officer1", "secret-token-value")
    # Leave the WAL in place (no checkpoint on close) as after a crash.
    files = [p for p in profile.path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"profile.json", "cache.db"}
    needles = [CITIZEN_NAME, CITIZEN_PHONE, CITIZEN_ID, CASE_BODY[:8], NOTE_BODY[:8],
               "secret-token-value", device_secret]
    for path in files:
        raw = path.read_bytes()
        for needle in needles:
            for encoding in ("utf-8", "utf-16-le"):
                assert needle.encode(encoding) not in raw, f"{needle!r} in {path.name}"
    store.close()
    for path in [p for p in profile.path.rglob("*") if p.is_file()]:
        raw = path.read_bytes()
        assert CITIZEN_NAME.encode() not in raw and NOTE_BODY[:8].encode() not in raw


def test_unlock_and_wrong_password(tmp_path):
    profile, store = new_profile(tmp_path, secret())
    store.apply_changes([upsert(make_case(1))], "c")
    store.close()
    again = Profile(profile.path)
    assert again.exists() and again.config.username == "officer1"
    assert again.config.officer["name"] == "李明"
    with pytest.raises(WrongPassword, match="wrong password for this profile"):
        again.unlock("not-the-password")
    store = again.unlock("demo-pass")
    assert store.case("case-1") is not None
    store.close()
    with pytest.raises(ProfileError):
        again.create(password="x", device_secret=secret(), server_url=SERVER, username="officer1",
                     officer=ME, ca_bundle=None, device_id="d")


def test_password_changed_on_the_server_unlocks_with_the_device_secret(tmp_path):
    device_secret = secret()
    profile, store = new_profile(tmp_path, device_secret)
    store.apply_changes([upsert(make_case(1))], "c")
    store.close()
    with pytest.raises(WrongPassword):
        profile.unlock("new-pass")
    with pytest.raises(WrongPassword):
        profile.unlock_with_device_secret(secret(), "new-pass")  # a revoked/other secret
    store = profile.unlock_with_device_secret(device_secret, "new-pass")
    assert store.case("case-1") is not None
    store.close()
    # From now on the new password opens it offline and the old one does not.
    Profile(profile.path).unlock("new-pass").close()
    with pytest.raises(WrongPassword):
        Profile(profile.path).unlock("demo-pass")


def test_update_after_login_rewraps_under_the_new_device_secret(tmp_path):
    old_secret, new_secret = secret(), secret()
    profile, store = new_profile(tmp_path, old_secret)
    store.close()
    renamed = ME.model_copy(update={"name": "李明明"})
    profile.update_after_login(password="demo-pass", device_secret=new_secret, officer=renamed)
    reloaded = Profile(profile.path)
    assert reloaded.config.officer["name"] == "李明明"
    with pytest.raises(WrongPassword):
        reloaded.unlock_with_device_secret(old_secret, "p2")
    reloaded.unlock_with_device_secret(new_secret, "p2").close()


def test_wipe_removes_everything(tmp_path):
    profile, store = new_profile(tmp_path, secret())
    store.close()
    profile.wipe()
    assert not profile.path.exists() and not profile.exists()


def test_install_device_id_is_stable(tmp_path, monkeypatch):
    monkeypatch.setenv("DESK_CONFIG_DIR", str(tmp_path / "cfg"))
    first = install_device_id()
    assert uuid.UUID(first) and install_device_id() == first
    assert (tmp_path / "cfg" / "device-id").read_text().strip() == first


def test_token_vault_without_keyring_warns_once_and_keeps_memory_only(tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring
    import keyring.core
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    with caplog.at_level(logging.WARNING, logger="desk.profile"):
        vault = TokenVault()
        assert vault.available is False
        vault.set(SERVER, "officer1", "tok-1")
        vault.set(SERVER, "officer1", "tok-2")
        assert vault.get(SERVER, "officer1") == "tok-2"
        vault.delete(SERVER, "officer1")
        assert vault.get(SERVER, "officer1") is None
    warnings = [r for r in caplog.records if "keyring" in r.getMessage()]
    assert len(warnings) == 1
    assert keyring.get_keyring().__class__.__module__ == "keyring.backends.fail"


def test_token_vault_uses_a_working_keyring(tmp_path):
    # A real file keyring backend in a child process (keyrings.alt is not installed, so
    # a tiny in-process backend stands in for the OS one).
    code = r"""
import keyring
from keyring.backend import KeyringBackend
class Mem(KeyringBackend):
    priority = 1
    store = {}
    def get_password(self, s, u): return self.store.get((s, u))
    def set_password(self, s, u, p): self.store[(s, u)] = p
    def delete_password(self, s, u): self.store.pop((s, u))
keyring.set_keyring(Mem())
from desk.profile import TokenVault
v = TokenVault()
assert v.available
v.set("https://h:1", "u", "tok")
assert Mem.store == {("desk", "u@https://h:1"): "tok"}, Mem.store
assert TokenVault().get("https://h:1", "u") == "tok"
v.delete("https://h:1", "u")
assert v.get("https://h:1", "u") is None
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


def test_the_same_password_again_costs_no_second_scrypt(tmp_path, monkeypatch):
    # `desk sync` without a keyring unlocks the cache, then logs in again with the same
    # password: the second check of it must not pay for scrypt a second time.
    from desk import keys

    profile, store = new_profile(tmp_path, secret())
    store.close()
    profile = Profile(profile.path)
    calls = []
    real = keys.unwrap_with_password
    monkeypatch.setattr(keys, "unwrap_with_password", lambda *a: calls.append(1) or real(*a))
    device_secret = secret()
    profile.unlock("demo-pass").close()
    profile.update_after_login(password="demo-pass", device_secret=device_secret, officer=ME)
    assert len(calls) == 1
    # A wrong password is still checked in full, and refused.
    with pytest.raises(WrongPassword):
        profile.unlock("wrong-pass")
    assert len(calls) == 2
    # A new password wrapping (new salt) is never answered from the memory of the old one.
    profile.update_after_login(password="new-pass", device_secret=device_secret, officer=ME)
    with pytest.raises(WrongPassword):
        Profile(profile.path).unlock("demo-pass")
    profile.unlock("new-pass").close()
