; Inno Setup 6 script for Desk (警务工作台) on station workstations.
;
; Build on Windows after freezing (python installer\build.py does both):
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" installer\windows\desk.iss
; -> dist\desk-<version>-setup.exe
;
; Silent install by IT (per machine, needs an administrator):
;   desk-<version>-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /SERVER=https://desk.example.gov.cn /CABUNDLE=C:\path\ca.pem
; writes %PROGRAMDATA%\Desk\desk.toml (server_url, ca_bundle) which every officer's
; session reads (ui/machine_config.py). Without /SERVER and /CABUNDLE an existing file is
; left as it is, so an upgrade keeps the station's settings.
;
; Officers' profiles (the encrypted caches) live in each user's %LOCALAPPDATA%\desk, never
; under Program Files: an upgrade in place and an uninstall leave them alone.

#define AppName "Desk"
#define AppNameZh "警务工作台"
#define DistDir "..\..\dist\desk"
#define ConsoleExe "desk.exe"
#define GuiExe "deskw.exe"
; One version: desk.__version__ -> desk.exe's version resource (installer/desk.spec) -> here.
#define AppVersion GetVersionNumbersString(AddBackslash(SourcePath) + DistDir + "\" + ConsoleExe)

[Setup]
; Fixed for ever: it is how an upgrade finds the installed copy (installer/layout.py).
AppId={{8C2F6A41-3E5B-4D7A-9B1C-5E0D2A7F4C19}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Desk project
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=desk-{#AppVersion}-setup
SetupIconFile=compiler:SetupClassicIcon.ico
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName} ({#AppNameZh})
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
ShowLanguageDialog=auto
UsePreviousAppDir=yes

[Languages]
; Chinese first: the stations' default. Messages files listed later override earlier ones,
; so English is the fallback for any message ChineseSimplified.isl here does not carry.
; ChineseSimplified.isl is not shipped with Inno Setup 6 (it is an "unofficial" translation):
; the complete community file is Files/Languages/Unofficial/ChineseSimplified.isl in
; https://github.com/jrsoftware/issrc (also https://jrsoftware.org/files/istrans/); copy
; it over installer\windows\ChineseSimplified.isl to translate every message.
Name: "chinesesimplified"; MessagesFile: "compiler:Default.isl,ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
english.DesktopIcon=Create a desktop shortcut
chinesesimplified.DesktopIcon=创建桌面快捷方式
english.BadServer=/SERVER must be an http:// or https:// address.
chinesesimplified.BadServer=/SERVER 必须是 http:// 或 https:// 开头的地址。
english.NoCaBundle=The CA bundle given with /CABUNDLE does not exist:
chinesesimplified.NoCaBundle=/CABUNDLE 指定的证书文件不存在：

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"

[Files]
; The whole PyInstaller folder (dist\desk: desk.exe, deskw.exe, _internal\...).
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the frozen libraries wholesale, so none of an older build's linger.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"; Comment: "{#AppNameZh}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"; Comment: "{#AppNameZh}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
function TomlString(const Value: String): String;
var
  S: String;
begin
  S := Value;
  StringChangeEx(S, '\', '\\', True);
  StringChangeEx(S, '"', '\"', True);
  Result := '"' + S + '"';
end;

function ServerParam(): String;
begin
  Result := Trim(ExpandConstant('{param:SERVER|}'));
end;

function CaBundleParam(): String;
begin
  Result := Trim(ExpandConstant('{param:CABUNDLE|}'));
end;

function InitializeSetup(): Boolean;
var
  Server: String;
begin
  Result := True;
  Server := ServerParam();
  if (Server <> '') and (Pos('http://', Lowercase(Server)) <> 1) and (Pos('https://', Lowercase(Server)) <> 1) then
  begin
    SuppressibleMsgBox(CustomMessage('BadServer'), mbCriticalError, MB_OK, IDOK);
    Result := False;
  end
  else if (CaBundleParam() <> '') and not FileExists(CaBundleParam()) then
  begin
    SuppressibleMsgBox(CustomMessage('NoCaBundle') + #13#10 + CaBundleParam(), mbCriticalError, MB_OK, IDOK);
    Result := False;
  end;
end;

{ %PROGRAMDATA%\Desk\desk.toml, the machine config ui/machine_config.py reads. The CA
  bundle is copied next to it (a path on a network share may not be there at login) and
  named relative to the file's folder. }
procedure WriteMachineConfig();
var
  Folder, Text: String;
begin
  if (ServerParam() = '') and (CaBundleParam() = '') then
    Exit;
  Folder := ExpandConstant('{commonappdata}\Desk');
  ForceDirectories(Folder);
  Text := '# Written by the Desk installer; the installer rewrites it when given /SERVER or /CABUNDLE.' + #13#10;
  if ServerParam() <> '' then
    Text := Text + 'server_url = ' + TomlString(ServerParam()) + #13#10;
  if CaBundleParam() <> '' then
  begin
    if not FileCopy(CaBundleParam(), Folder + '\ca-bundle.pem', False) then
      RaiseException('cannot copy ' + CaBundleParam());
    Text := Text + 'ca_bundle = ' + TomlString('ca-bundle.pem') + #13#10;
  end;
  if not SaveStringToFile(Folder + '\desk.toml', Text, False) then
    RaiseException('cannot write ' + Folder + '\desk.toml');
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
    WriteMachineConfig();
end;
