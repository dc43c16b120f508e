"""The installer scripts agree with the spec and with the app (fast: nothing is frozen).

The Windows installer cannot be built here, so its script is checked against the facts
the spec builds from (installer/layout.py): name, version source, installed files,
shortcuts, the fixed AppId and the machine config the app reads.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

import desk
from ui import machine_config

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"installer_{name}", INSTALLER / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(INSTALLER))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(INSTALLER))
    return module


layout = load("layout")
build = load("build")

ISS = (INSTALLER / "windows" / "desk.iss").read_text(encoding="utf-8-sig")
SPEC = (INSTALLER / "desk.spec").read_text(encoding="utf-8")


def iss_define(name: str) -> str:
    match = re.search(rf'^#define {name} (.+)$', ISS, re.M)
    assert match, f"desk.iss has no #define {name}"
    return match.group(1).strip()


def iss_setup(key: str) -> str:
    section = ISS.split("[Setup]", 1)[1].split("\n[", 1)[0]
    match = re.search(rf"^{key}=(.*)$", section, re.M)
    assert match, f"[Setup] has no {key}"
    return match.group(1).strip()


def iss_section(name: str) -> list[str]:
    section = ISS.split(f"\n[{name}]", 1)[1].split("\n[", 1)[0]
    return [line for line in section.splitlines() if line.strip() and not line.startswith(";")]


def test_iss_name_and_app_id_match_the_layout():
    assert iss_define("AppName") == f'"{layout.APP_NAME}"'
    assert iss_setup("AppName") == "{#AppName}"
    # Inno writes a literal "{" as "{{"; the id itself must never change between releases.
    assert iss_setup("AppId") == "{" + layout.WINDOWS_APP_ID


def test_iss_version_comes_from_the_executable_the_spec_stamps():
    assert iss_define("ConsoleExe") == f'"{layout.CONSOLE_EXE}.exe"'
    assert iss_define("AppVersion") == \
        'GetVersionNumbersString(AddBackslash(SourcePath) + DistDir + "\\" + ConsoleExe)'
    assert iss_setup("AppVersion") == "{#AppVersion}"
    # The spec stamps desk.exe with the package's version (and only that one).
    assert "from desk import __version__" in SPEC
    assert "filevers=numbers" in SPEC and "name=layout.CONSOLE_EXE" in SPEC
    assert re.fullmatch(r"\d+\.\d+\.\d+", desk.__version__)


def test_iss_installs_the_whole_frozen_folder():
    assert iss_define("DistDir") == f'"..\\..\\dist\\{layout.DIST_NAME}"'
    assert "name=layout.DIST_NAME" in SPEC
    files = iss_section("Files")
    assert files == ['Source: "{#DistDir}\\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs']
    # build.py writes the folder where the .iss takes it from.
    assert build.DIST == ROOT / "dist"


def test_iss_is_per_machine_with_shortcuts_to_the_windowed_exe():
    assert iss_setup("PrivilegesRequired") == "admin"
    assert iss_setup("DefaultDirName") == "{autopf}\\{#AppName}"
    assert iss_define("GuiExe") == f'"{layout.GUI_EXE}.exe"'
    icons = iss_section("Icons")
    assert any(line.startswith('Name: "{autoprograms}\\') and '{app}\\{#GuiExe}' in line for line in icons)
    assert any(line.startswith('Name: "{autodesktop}\\') and '{app}\\{#GuiExe}' in line for line in icons)
    assert iss_setup("UninstallDisplayIcon") == "{app}\\{#GuiExe}"
    # The spec builds the windowed exe under the name the shortcuts use.
    assert "name=layout.GUI_EXE" in SPEC and "console=False" in SPEC


def test_iss_never_touches_the_officers_profiles():
    # Profiles live in each user's data folder; nothing the installer deletes is there.
    deleting = "\n".join(iss_section("InstallDelete"))
    assert "{app}" in deleting
    for user_folder in ("{localappdata}", "{userappdata}", "{commonappdata}", "{userdocs}"):
        assert user_folder not in deleting
    assert "[UninstallDelete]" not in ISS


def test_iss_writes_the_machine_config_the_app_reads():
    windows_path = machine_config.default_path("win32", {"PROGRAMDATA": r"C:\ProgramData"})
    assert windows_path.parts[-2:] == ("Desk", "desk.toml")
    assert "ExpandConstant('{commonappdata}\\Desk')" in ISS
    assert "Folder + '\\desk.toml'" in ISS
    assert "'server_url = '" in ISS and "'ca_bundle = '" in ISS
    assert "{param:SERVER|}" in ISS and "{param:CABUNDLE|}" in ISS


def test_machine_config_with_a_copied_ca_bundle_loads(tmp_path):
    # What the installer writes (a bundle next to the file, named relatively) is valid.
    config = tmp_path / "desk.toml"
    config.write_text('# Written by the Desk installer\nserver_url = "https://desk.example.gov.cn/"\n'
                      'ca_bundle = "ca-bundle.pem"\n', encoding="utf-8")
    loaded = machine_config.load(config)
    assert loaded.server_url == "https://desk.example.gov.cn"
    assert loaded.ca_bundle == str(tmp_path / "ca-bundle.pem")


def test_iss_languages_chinese_and_english():
    languages = iss_section("Languages")
    assert 'Name: "chinesesimplified"; MessagesFile: "compiler:Default.isl,ChineseSimplified.isl"' in languages
    assert 'Name: "english"; MessagesFile: "compiler:Default.isl"' in languages
    isl = INSTALLER / "windows" / "ChineseSimplified.isl"
    raw = isl.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Inno Setup reads non-ASCII .isl files as UTF-8 only with a BOM"
    text = raw.decode("utf-8-sig")
    assert "LanguageID=$0804" in text and "WelcomeLabel1=" in text
    # Every custom message exists in both languages.
    custom = iss_section("CustomMessages")
    names = {line.split(".", 1)[1].split("=", 1)[0] for line in custom}
    for name in names:
        assert any(line.startswith(f"english.{name}=") for line in custom)
        assert any(line.startswith(f"chinesesimplified.{name}=") for line in custom)


def test_machine_config_linux_path_matches_the_app():
    assert str(machine_config.default_path("linux", {})) == layout.LINUX_MACHINE_CONFIG


def test_deb_control_lists_the_xcb_libraries_and_a_cjk_font():
    control = build.control_text("1.2.3", "amd64", 4321)
    fields = dict(line.split(": ", 1) for line in control.splitlines() if ": " in line and not line.startswith(" "))
    assert fields["Package"] == layout.DEB_PACKAGE
    assert fields["Version"] == "1.2.3" and fields["Architecture"] == "amd64"
    assert fields["Installed-Size"] == "4321"
    depends = [d.strip() for d in fields["Depends"].split(",")]
    names = {alt.strip().split(" ")[0] for d in depends for alt in d.split("|")}
    # What Qt's xcb platform plugin links against (ldd libqxcb.so) and leaves to the system.
    for package in ("libxcb1", "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1",
                    "libxcb-randr0", "libxcb-render-util0", "libxcb-shape0", "libxcb-xkb1",
                    "libxkbcommon-x11-0", "libx11-xcb1", "libgl1", "libegl1", "libfontconfig1"):
        assert package in names
    assert any("fonts-noto-cjk" in d or "fonts-wqy" in d for d in depends)
    assert not re.search(r"@[A-Z_]+@", control)


def test_qt_filter_keeps_what_desk_uses_and_nothing_else():
    keep = layout.keep_qt_binary
    assert keep("PySide6/Qt/plugins/platforms/libqxcb.so")
    assert keep("PySide6/Qt/plugins/platforms/libqoffscreen.so")
    assert keep("PySide6\\Qt\\plugins\\platforms\\qwindows.dll")
    assert keep("PySide6/Qt/plugins/imageformats/libqsvg.so")
    assert keep("PySide6/Qt/plugins/iconengines/libqsvgicon.so")
    assert keep("PySide6/Qt/plugins/styles/qmodernwindowsstyle.dll")
    assert keep("PySide6/Qt/lib/libQt6Widgets.so.6")
    assert keep("PySide6/Qt/translations/qtbase_zh_CN.qm")
    assert keep("sqlcipher3/_sqlite3.cpython-311-x86_64-linux-gnu.so")
    assert not keep("PySide6/Qt/plugins/platforms/libqwayland.so")
    assert not keep("PySide6/Qt/plugins/imageformats/libqpdf.so")
    assert not keep("PySide6/Qt/plugins/platformthemes/libqgtk3.so")
    assert not keep("PySide6/Qt/plugins/tls/libqopensslbackend.so")
    assert not keep("PySide6/Qt/lib/libQt6WebEngineCore.so.6")
    assert not keep("PySide6/Qt/lib/libQt6Qml.so.6")
    assert not keep("PySide6/QtNetwork.abi3.so")
    assert not keep("Qt6Quick.dll")
    assert not keep("PySide6/Qt/translations/qtbase_de.qm")


def test_prune_orphans_drops_only_what_dropped_plugins_alone_needed():
    imports = {"gtk-plugin": {"libgtk.so", "libglib.so"}, "libgtk.so": {"libglib.so"},
               "qt-widgets": {"libglib.so", "libQt6Gui.so"}, "libglib.so": set(), "libQt6Gui.so": set()}
    kept = [("PySide6/QtWidgets.so", "qt-widgets", "EXTENSION"), ("libgtk.so", "libgtk.so", "BINARY"),
            ("libglib.so", "libglib.so", "BINARY"), ("libQt6Gui.so", "libQt6Gui.so", "BINARY")]
    dropped = [("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "gtk-plugin", "BINARY")]
    pruned = layout.prune_orphans(kept, dropped, lambda src: imports[src])
    assert [entry[0] for entry in pruned] == ["PySide6/QtWidgets.so", "libglib.so", "libQt6Gui.so"]
    links = [("libgtk.so.0", "libgtk.so", "SYMLINK"), ("libglib.so.0", "libglib.so", "SYMLINK")]
    assert layout.drop_dangling_links(links, pruned) == [links[1]]


def test_desktop_entry_starts_the_installed_app():
    entry = (INSTALLER / "linux" / "desk.desktop").read_text(encoding="utf-8")
    lines = dict(line.split("=", 1) for line in entry.splitlines() if "=" in line)
    assert lines["Exec"].split()[0] == f"{layout.LINUX_PREFIX}/{layout.CONSOLE_EXE}"
    assert lines["Icon"] == "desk" and lines["Type"] == "Application"
    assert lines["Name[zh_CN]"] == layout.APP_NAME_ZH
    if subprocess.run(["which", "desktop-file-validate"], capture_output=True).returncode == 0:
        result = subprocess.run(["desktop-file-validate", str(INSTALLER / "linux" / "desk.desktop")],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_stage_deb_lays_out_the_package(tmp_path):
    app = tmp_path / "dist" / "desk"
    (app / "_internal").mkdir(parents=True)
    (app / "desk").write_bytes(b"#!/bin/sh\n")
    (app / "desk").chmod(0o700)
    (app / "_internal" / "libpython3.11.so.1.0").write_bytes(b"\0" * 2048)
    root = build.stage_deb(app, "9.8.7", "amd64", tmp_path / "root")
    assert (root / "opt/desk/desk").stat().st_mode & 0o777 == 0o755
    assert (root / "opt/desk/_internal/libpython3.11.so.1.0").stat().st_mode & 0o777 == 0o644
    link = root / "usr/bin/desk"
    assert link.is_symlink() and str(link.readlink()) == "/opt/desk/desk"
    assert (root / "usr/share/applications/desk.desktop").exists()
    assert (root / "usr/share/icons/hicolor/scalable/apps/desk.svg").exists()
    assert (root / "DEBIAN/conffiles").read_text() == "/etc/desk/desk.toml\n"
    shipped = root / "etc/desk/desk.toml"
    # The shipped conffile is all comments: a machine without a configured server asks.
    assert machine_config.load(shipped).server_url is None
    control = (root / "DEBIAN/control").read_text(encoding="utf-8")
    assert "Version: 9.8.7" in control and "Installed-Size: " in control


@pytest.mark.skipif(subprocess.run(["which", "dpkg-deb"], capture_output=True).returncode != 0,
                    reason="dpkg-deb is not installed")
def test_staged_tree_builds_a_valid_deb(tmp_path):
    app = tmp_path / "dist" / "desk"
    app.mkdir(parents=True)
    (app / "desk").write_bytes(b"#!/bin/sh\necho desk\n")
    (app / "desk").chmod(0o755)
    root = build.stage_deb(app, "9.8.7", "amd64", tmp_path / "root")
    deb = tmp_path / "desk.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)],
                   check=True, capture_output=True)
    info = subprocess.run(["dpkg-deb", "-f", str(deb), "Package", "Depends"], capture_output=True,
                          text=True, check=True).stdout
    assert "Package: desk" in info and "libxcb-cursor0" in info
