# Shared by the Pester files: the module under test and the test network it talks to.
# testnet.json is written by tests/network/testnet.sh; it names secret files, never secrets.

$ErrorActionPreference = 'Stop'
if (-not $env:KAELIO_MODULE_PATH) { throw 'KAELIO_MODULE_PATH is not set: run the tests with ./build.ps1 Test.' }
if (-not $env:KAELIO_TESTNET -or -not (Test-Path $env:KAELIO_TESTNET)) { throw 'The test network is not up (KAELIO_TESTNET): run the tests with ./build.ps1 Test.' }
Import-Module $env:KAELIO_MODULE_PATH -Force

$script:TestNet = Get-Content $env:KAELIO_TESTNET -Raw | ConvertFrom-Json

# Test-KaelioProxy's default echo service is public: tests always use the test network's.
$env:KAELIO_ECHO_URI = $TestNet.echo.url

function Read-Secret([string] $Path) { (Get-Content $Path -Raw).Trim() }

function New-TestCredential([string] $User, [string] $PasswordFile) {
    [pscredential]::new($User, (ConvertTo-SecureString (Read-Secret $PasswordFile) -AsPlainText -Force))
}

function Get-SshCredential { New-TestCredential $TestNet.ssh.user $TestNet.ssh.passwordFile }
function Get-DbCredential { New-TestCredential $TestNet.postgres.user $TestNet.postgres.passwordFile }
function Get-KeyPassphrase { ConvertTo-SecureString (Read-Secret $TestNet.ssh.passphraseFile) -AsPlainText -Force }

# A proxy to the test bastion with an unencrypted ed25519 key, its host key known.
function New-TestProxy {
    param([int] $Port = $TestNet.bastion.sshPort, [string] $Name)
    $splat = @{
        ComputerName   = $TestNet.bastion.address
        Port           = $Port
        UserName       = $TestNet.ssh.user
        KeyFile        = $TestNet.ssh.keys.ed25519
        KnownHostsPath = $TestNet.bastion.knownHostsFile
        ErrorAction    = 'Stop'
    }
    if ($Port -ne 22) { $splat.Remove('KnownHostsPath'); $splat.HostKeyFingerprint = $TestNet.bastion.hostKeyFingerprints }
    if ($Name) { $splat.Name = $Name }
    New-KaelioSshProxy @splat
}

# Runs a command (which passes -ErrorAction Stop) and returns the error record it failed with, or
# $null, so tests can check ids, categories and messages.
function Get-FirstError([scriptblock] $Command) {
    try { $null = & $Command; $null }
    catch { $_ }
}
