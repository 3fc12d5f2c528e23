# The cmdlets live in Kaelio.Commands.dll; the engine and its drivers load in a private load context
# from bin/. PowerShell reads the cmdlets' attributes, which name engine types, as soon as it imports
# the assembly, so the resolver must be in place first.
Add-Type -Path (Join-Path $PSScriptRoot 'Kaelio.Commands.dll')
[Kaelio.Commands.Hosting.ModuleInitializer]::RegisterEngineResolver()
Import-Module (Join-Path $PSScriptRoot 'Kaelio.Commands.dll')
