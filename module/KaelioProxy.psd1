@{
    RootModule           = 'KaelioProxy.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '13687974-5e19-4016-a44b-efd6b4fee917'
    Author               = 'KaelioProxy developers'
    CompanyName          = 'KaelioProxy'
    Copyright            = '(c) KaelioProxy developers. MIT License.'
    Description          = 'Reach databases inside private networks from PowerShell: SSH bastion tunnels (and Tailscale, coming), PostgreSQL and MySQL connections through them, streamed query results.'
    PowerShellVersion    = '7.6'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('KaelioProxy.Format.ps1xml')
    CmdletsToExport      = @(
        'New-KaelioSshProxy'
        'New-KaelioTailscaleProxy'
        'Get-KaelioProxy'
        'Remove-KaelioProxy'
        'Test-KaelioProxy'
        'Connect-KaelioDatabase'
        'Get-KaelioConnection'
        'Disconnect-KaelioDatabase'
        'Invoke-KaelioQuery'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('SSH', 'Tunnel', 'Bastion', 'Tailscale', 'PostgreSQL', 'MySQL', 'Database', 'Proxy')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
