import pytest

from ui import machine_config as mc


def test_missing_file_is_empty(tmp_path):
    assert mc.load(tmp_path / "none.toml") == mc.MachineConfig()


def test_reads_server_and_relative_ca_bundle(tmp_path, monkeypatch):
    path = tmp_path / "desk.toml"
    path.write_text('server_url = "https://desk.example.gov.cn/"\nca_bundle = "ca.pem"\n', "utf-8")
    monkeypatch.setenv(mc.ENV_VAR, str(path))
    config = mc.load()
    assert config.server_url == "https://desk.example.gov.cn"
    assert config.ca_bundle == str(tmp_path / "ca.pem")


@pytest.mark.parametrize("body", ['server_url = "ftp://x"', "server_url = 3", "not toml ==="])
def test_bad_files_say_so(tmp_path, body):
    path = tmp_path / "desk.toml"
    path.write_text(body, "utf-8")
    with pytest.raises(mc.MachineConfigError):
        mc.load(path)


def test_platform_defaults():
    assert str(mc.default_path("linux")) == "/etc/desk/desk.toml"
    assert mc.default_path("win32", {"PROGRAMDATA": r"C:\ProgramData"}).parts[-2:] == ("Desk", "desk.toml")
    assert str(mc.default_path("darwin")).startswith("/Library/Application Support/Desk")
