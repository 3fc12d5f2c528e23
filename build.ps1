#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests and demonstrates KaelioProxy.
.DESCRIPTION
    Tasks:
      Build  publishes the module to out/KaelioProxy (Import-Module ./out/KaelioProxy/KaelioProxy.psd1)
      Test   builds, brings up the test network, runs xunit and Pester, tears the network down
      Demo   builds, brings up the test network, and shows a query on a private database through a bastion
      Clean  removes build output and the test network
    Run with the pinned PowerShell: dotnet tool restore && dotnet pwsh ./build.ps1 <Task>
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
$env:POWERSHELL_TELEMETRY_OPTOUT = '1'
$env:POWERSHELL_UPDATECHECK = 'Off'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'KaelioProxy'
$Network = Join-Path $Root 'tests/network'
$TestNetDir = if ($env:KAELIO_TESTNET_DIR) { $env:KAELIO_TESTNET_DIR } else { '/tmp/kaelio-testnet' }

function Invoke-Native {
    # Runs a program and stops the build when it fails. Plain $args: a param block would take
    # the program's own switches (-c, -o) for PowerShell's common parameters.
    $program = $args[0]
    $arguments = @($args | Select-Object -Skip 1)
    & $program @arguments
    if ($LASTEXITCODE -ne 0) { throw "$program $($arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    $manifest = Import-PowerShellDataFile (Join-Path $Root 'module/KaelioProxy.psd1')
    $version = $manifest.ModuleVersion
    Write-Host "==> Building KaelioProxy $version ($Configuration)"
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $bin = Join-Path $ModuleOut 'bin'

    # The engine and its dependencies go to bin/ with their deps.json: the module resolves them
    # into a private load context, picking runtime-specific assets for this OS.
    Invoke-Native dotnet publish (Join-Path $Root 'src/Kaelio.Engine') -c $Configuration -o $bin "-p:Version=$version" --nologo -v quiet
    $cmdlets = Join-Path $Out "obj/Kaelio.Commands"
    Invoke-Native dotnet build (Join-Path $Root 'src/Kaelio.Commands') -c $Configuration -o $cmdlets "-p:Version=$version" --nologo -v quiet
    Copy-Item (Join-Path $cmdlets 'Kaelio.Commands.dll') $ModuleOut
    Copy-Item (Join-Path $Root 'module/*') $ModuleOut -Recurse

    # Help from the doc comments, the parameter sets and Examples.psd1, in its own process (it imports the module).
    $helpScript = Join-Path $Root 'src/Kaelio.Commands/Help/New-MamlHelp.ps1'
    Invoke-Native dotnet pwsh -NoProfile -NonInteractive -File $helpScript -ModulePath (Join-Path $ModuleOut 'KaelioProxy.psd1') `
        -DocumentationXml (Join-Path $cmdlets 'Kaelio.Commands.xml') -OutputPath (Join-Path $ModuleOut 'en-US/Kaelio.Commands.dll-Help.xml')
    Write-Host "==> Module ready: Import-Module $ModuleOut/KaelioProxy.psd1"
}

function Assert-TestMachine {
    if (-not $IsLinux) { throw 'The test network needs Linux network namespaces; run the tests on Linux.' }
    if ((id -u) -ne '0') { throw 'The test network needs root (network namespaces, servers as plain processes). Run as root, or in a disposable VM or container.' }
}

function Start-TestNetwork {
    Assert-TestMachine
    Invoke-Native bash (Join-Path $Network 'install-prereqs.sh')
    Write-Host '==> Bringing up the test network (bastion and private namespaces)'
    Invoke-Native bash (Join-Path $Network 'testnet.sh') up
    $env:KAELIO_TESTNET = Join-Path $TestNetDir 'testnet.json'
}

function Stop-TestNetwork {
    Write-Host '==> Tearing down the test network'
    bash (Join-Path $Network 'testnet.sh') down | Out-Host
}

function Get-PesterPath {
    Invoke-Native dotnet restore (Join-Path $Root 'tests/tools/tools.csproj') --nologo -v quiet
    $packages = (dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $pester = Join-Path $packages.Trim() 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $pester)) { throw "Pester 5.7.1 was not restored to $pester." }
    $pester
}

function Invoke-Isolated {
    # Tests run where DNS cannot leave the machine: an unknown name fails here, not at a real resolver.
    param([string[]] $Command)
    & bash (Join-Path $Network 'isolated-dns.sh') @Command | Out-Host
    $LASTEXITCODE
}

function Invoke-Test {
    Invoke-Build
    $pester = Get-PesterPath
    $results = Join-Path $Out 'test-results'
    New-Item -ItemType Directory $results -Force | Out-Null
    # Built out here: inside the isolated-DNS namespace NuGet cannot be reached.
    Invoke-Native dotnet build (Join-Path $Root 'tests/Kaelio.Engine.Tests') -c $Configuration --nologo -v quiet
    Start-TestNetwork
    try {
        Write-Host '==> xunit (engine)'
        $trx = Join-Path $results 'xunit.trx'
        Remove-Item $trx -ErrorAction Ignore
        $xunitExit = Invoke-Isolated @('dotnet', 'test', (Join-Path $Root 'tests/Kaelio.Engine.Tests'), '-c', $Configuration,
            '--no-build', '--nologo', '--logger', "trx;LogFileName=$trx", '--logger', 'console;verbosity=normal')
        $xunit = @{ Passed = 0; Failed = 0 }
        if (Test-Path $trx) {
            $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
            $xunit = @{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted }
        }
        elseif ($xunitExit -ne 0) { $xunit.Failed = 1 }
        if ($xunitExit -ne 0 -and $xunit.Failed -eq 0) { $xunit.Failed = 1 }
        Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed"

        Write-Host '==> Pester (module)'
        $pesterJson = Join-Path $results 'pester.json'
        Remove-Item $pesterJson -ErrorAction Ignore
        $null = Invoke-Isolated @('dotnet', 'pwsh', '-NoProfile', '-File', (Join-Path $Root 'tests/Invoke-PesterTests.ps1'),
            '-PesterPath', $pester, '-ModulePath', (Join-Path $ModuleOut 'KaelioProxy.psd1'), '-ResultPath', $pesterJson)
        $pesterCounts = if (Test-Path $pesterJson) { Get-Content $pesterJson -Raw | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1 } }
        Write-Host "Pester: $($pesterCounts.Passed) passed, $($pesterCounts.Failed) failed"

        $passed = $xunit.Passed + $pesterCounts.Passed
        $failed = $xunit.Failed + $pesterCounts.Failed
        Write-Host "$passed passed, $failed failed"
        if ($failed -gt 0) { exit 1 }
    }
    finally {
        Stop-TestNetwork
    }
}

function Invoke-Demo {
    Invoke-Build
    Start-TestNetwork
    try {
        $exit = Invoke-Isolated @('dotnet', 'pwsh', '-NoProfile', '-File', (Join-Path $Root 'tests/Demo.ps1'), '-ModulePath', (Join-Path $ModuleOut 'KaelioProxy.psd1'))
        if ($exit -ne 0) { throw "The demo failed (exit code $exit)." }
    }
    finally {
        Stop-TestNetwork
    }
}

function Invoke-Clean {
    if (Test-Path $Out) { Remove-Item $Out -Recurse -Force }
    Get-ChildItem $Root -Directory -Recurse -Include bin, obj | Where-Object FullName -NotLike '*node_modules*' | Remove-Item -Recurse -Force
    if ($IsLinux -and (id -u) -eq '0') { Stop-TestNetwork }
}

Push-Location $Root
try {
    switch ($Task) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Clean' { Invoke-Clean }
    }
}
finally {
    Pop-Location
}
