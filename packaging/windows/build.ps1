# Build yibao-terminal for Windows: the PyInstaller onedir (same spec as Linux), then the Inno Setup installer.
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 [-Python C:\path\python.exe] [-SkipInstaller]
#
# Needs: Python 3.11 x64 (python.org), Inno Setup 6 (ISCC.exe), a checkout of the repository.
# Creates .venv if missing (pip install -e . plus PyInstaller 6), builds dist\yibao-terminal\ and
# dist\yibao-terminal-<version>-setup.exe, and prints sizes and build times.
param(
  [string]$Python = "",
  [string]$Iscc = "",
  [switch]$SkipInstaller
)
$ErrorActionPreference = "Stop"
$Root = (Resolve-Path "$PSScriptRoot\..\..").Path
Set-Location $Root

if (-not $Python) {
  $Python = Join-Path $Root ".venv\Scripts\python.exe"
  if (-not (Test-Path $Python)) {
    py -3.11 -m venv .venv
    & $Python -m pip install --upgrade pip
    & $Python -m pip install -e .
  }
}
& $Python -m pip install -q "pyinstaller>=6,<7"
if ($LASTEXITCODE) { throw "pip install pyinstaller failed" }

$sw = [Diagnostics.Stopwatch]::StartNew()
& $Python -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build\pyinstaller packaging\yibao-terminal.spec
if ($LASTEXITCODE) { throw "PyInstaller failed" }
$onedirSeconds = [math]::Round($sw.Elapsed.TotalSeconds, 1)
$cli = Join-Path $Root "dist\yibao-terminal\yibao-terminal-cli.exe"
$version = ((& $cli --version) -split " ")[1]
$size = (Get-ChildItem -Recurse -File dist\yibao-terminal | Measure-Object -Sum Length).Sum / 1MB
Write-Host ("onedir: dist\yibao-terminal  {0:N1} MB, built in {1} s (version {2})" -f $size, $onedirSeconds, $version)
& $cli doctor --only config,scanner,printer,fonts
if ($SkipInstaller) { exit 0 }

if (-not $Iscc) {
  $Iscc = @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "${env:ProgramFiles}\Inno Setup 6\ISCC.exe",
            "${env:LOCALAPPDATA}\Programs\Inno Setup 6\ISCC.exe") | Where-Object { Test-Path $_ } | Select-Object -First 1
}
if (-not $Iscc) { throw "ISCC.exe (Inno Setup 6) not found: install it or pass -Iscc" }
$sw.Restart()
& $Iscc "/DAppVersion=$version" "/DSourceDir=$Root\dist\yibao-terminal" packaging\windows\yibao-terminal.iss
if ($LASTEXITCODE) { throw "ISCC failed" }
$setup = Get-Item "dist\yibao-terminal-$version-setup.exe"
Write-Host ("installer: {0}  {1:N1} MB, built in {2:N1} s" -f $setup.FullName, ($setup.Length / 1MB), $sw.Elapsed.TotalSeconds)
