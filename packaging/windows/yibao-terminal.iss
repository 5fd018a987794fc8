; Inno Setup 6 script of yibao-terminal for Windows 10/11 x64. Built by packaging\windows\build.ps1:
;   ISCC.exe /DAppVersion=0.2.0 /DSourceDir=C:\src\yibao-terminal\dist\yibao-terminal packaging\windows\yibao-terminal.iss
;
; Installs the PyInstaller onedir to C:\Program Files\yibao-terminal: yibao-terminal.exe (the cashier window,
; no console) and yibao-terminal-cli.exe (doctor, settle, queue ... for IT). Start-menu shortcuts: the terminal,
; the training mode, the doctor. Configuration: %ProgramData%\yibao-terminal\config.toml (IT's; never shipped,
; never overwritten, never removed); config.toml.example is installed next to it. Silent fleet install that
; also places IT's configuration when the machine has none yet:
;   yibao-terminal-0.2.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /CONFIG=\\server\share\config.toml
; The cashiers' journals, logs and crash reports (%LOCALAPPDATA%\yibao-terminal) are never removed.

#ifndef AppVersion
  #define AppVersion "0.2.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\yibao-terminal"
#endif

[Setup]
AppId={{6F2B8E4A-3C1D-4E7F-9A52-0B8C7D1E4F36}
AppName=医保结算收费终端 yibao-terminal
AppVersion={#AppVersion}
AppVerName=医保结算收费终端 yibao-terminal {#AppVersion}
AppPublisher=yibao-terminal
DefaultDirName={autopf}\yibao-terminal
DefaultGroupName=医保结算收费终端
DisableProgramGroupPage=yes
DisableDirPage=auto
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
PrivilegesRequired=admin
OutputDir=..\..\dist
OutputBaseFilename=yibao-terminal-{#AppVersion}-setup
SetupIconFile=yibao-terminal.ico
UninstallDisplayIcon={app}\yibao-terminal.exe
UninstallDisplayName=医保结算收费终端 yibao-terminal {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; a running terminal is closed (Restart Manager) before its files are replaced
CloseApplications=yes
RestartApplications=no

[Languages]
; Inno Setup 6.5+ ships ChineseSimplified.isl; for older versions put it into "Languages" (jrsoftware.org/files/istrans)
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Dirs]
; IT's configuration: administrators write, users (the cashiers) read
Name: "{commonappdata}\yibao-terminal"; Permissions: users-readexec

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\..\resources\config\config.example.toml"; DestDir: "{commonappdata}\yibao-terminal"; DestName: "config.toml.example"; Flags: ignoreversion
; /CONFIG=path: IT's config.toml, only when the machine has none (an existing one is never overwritten) and kept on uninstall
Source: "{param:CONFIG|}"; DestDir: "{commonappdata}\yibao-terminal"; DestName: "config.toml"; Flags: external skipifsourcedoesntexist onlyifdoesntexist uninsneveruninstall; Check: HasConfigParam

[Icons]
Name: "{group}\医保结算收费终端"; Filename: "{app}\yibao-terminal.exe"; WorkingDir: "{app}"; Comment: "Medical insurance cashier terminal"
Name: "{group}\医保结算收费终端（训练模式）"; Filename: "{app}\yibao-terminal.exe"; Parameters: "demo"; WorkingDir: "{app}"; Comment: "Training mode: sandbox platform, virtual card"
Name: "{group}\收费终端诊断 doctor"; Filename: "{cmd}"; Parameters: "/k ""{app}\yibao-terminal-cli.exe"" doctor"; WorkingDir: "{app}"; IconFilename: "{app}\yibao-terminal.exe"
Name: "{group}\{cm:UninstallProgram,yibao-terminal}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\医保结算收费终端"; Filename: "{app}\yibao-terminal.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\yibao-terminal.exe"; Description: "{cm:LaunchProgram,医保结算收费终端}"; Flags: nowait postinstall skipifsilent unchecked

[UninstallDelete]
; only the directory if it is empty: IT's config.toml stays
Type: dirifempty; Name: "{commonappdata}\yibao-terminal"

[Code]
function HasConfigParam(): Boolean;
begin
  Result := ExpandConstant('{param:CONFIG|}') <> '';
end;
