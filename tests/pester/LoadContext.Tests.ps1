BeforeAll {
    . $PSScriptRoot/TestNetwork.ps1
}

Describe 'The engine loads in its own load context' {
    It 'works beside an older version of one of its dependencies loaded first' {
        # Microsoft.Extensions.Logging.Abstractions 6.0 (SSH.NET and Npgsql need 8.0+), restored by tests/tools.
        $packages = ((dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
        $old = Join-Path $packages 'microsoft.extensions.logging.abstractions/6.0.0/lib/net6.0/Microsoft.Extensions.Logging.Abstractions.dll'
        Test-Path $old | Should -BeTrue
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$old'
Import-Module '$env:KAELIO_MODULE_PATH'
`$t = Get-Content '$env:KAELIO_TESTNET' -Raw | ConvertFrom-Json
`$p = New-KaelioSshProxy `$t.bastion.address -UserName `$t.ssh.user -KeyFile `$t.ssh.keys.ed25519 -KnownHostsPath `$t.bastion.knownHostsFile
`$pw = ConvertTo-SecureString (Get-Content `$t.postgres.passwordFile -Raw).Trim() -AsPlainText -Force
`$db = `$p | Connect-KaelioDatabase -Type PostgreSql -Server `$t.postgres.host -Database app -Credential ([pscredential]::new('kaelio', `$pw))
'rows=' + (`$db | Invoke-KaelioQuery 'select count(*) as n from orders').n
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Microsoft.Extensions.Logging.Abstractions' } | ForEach-Object { 'version=' + `$_.GetName().Version }
"@
        $output = dotnet pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $output | Should -Match 'rows=3'
        $output | Should -Match 'version=6\.0\.0\.0'
        $output | Should -Match 'version=8\.|version=9\.|version=10\.'
    }
}
