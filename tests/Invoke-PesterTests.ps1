<#
.SYNOPSIS
    Runs the Pester suite against the built module and writes the counts for build.ps1.
#>
param(
    [Parameter(Mandatory)][string] $PesterPath,
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $ResultPath
)

$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Import-Module $PesterPath -MinimumVersion 5.7.1

# The test files import the module from here; each file runs in this one process.
$env:KAELIO_MODULE_PATH = $ModulePath

$config = New-PesterConfiguration
$config.Run.Path = Join-Path $PSScriptRoot 'pester'
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $config

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount } |
    ConvertTo-Json | Set-Content -Path $ResultPath
exit ([int]($failed -gt 0))
