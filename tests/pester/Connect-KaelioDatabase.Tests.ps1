BeforeAll {
    . $PSScriptRoot/TestNetwork.ps1
    $script:Proxy = New-TestProxy -Name 'db-tests'
    $script:Cred = Get-DbCredential
    $script:Pg = $TestNet.postgres
    $script:My = $TestNet.mysql
}
AfterAll { Get-KaelioProxy | Remove-KaelioProxy }

Describe 'Connect-KaelioDatabase through an SSH proxy' {
    AfterEach { Get-KaelioConnection | Disconnect-KaelioDatabase }

    It 'reaches <Type> on the private network, with the name resolved by the bastion' -ForEach @(
        @{ Type = 'PostgreSql'; Key = 'postgres' }, @{ Type = 'MySql'; Key = 'mysql' }
    ) {
        $target = $TestNet.$Key
        $db = $Proxy | Connect-KaelioDatabase -Type $Type -Server $target.host -Database $target.database -Credential $Cred -ErrorAction Stop
        $db.State | Should -Be 'Ready'
        $db.Proxy | Should -Be $Proxy
        $db.Port | Should -Be $target.port
        $db.LocalEndPoint | Should -Match '^127\.0\.0\.1:\d+$'
        ($db | Invoke-KaelioQuery 'select count(*) as n from orders').n | Should -Be 3
        $Proxy.Forwards.RemoteHost | Should -Contain $target.host
    }

    It 'verifies <Type> TLS against the real host name (VerifyFull with the test CA)' -ForEach @(
        @{ Type = 'PostgreSql'; Key = 'postgres' }, @{ Type = 'MySql'; Key = 'mysql' }
    ) {
        $target = $TestNet.$Key
        $db = Connect-KaelioDatabase -Proxy $Proxy -Type $Type -Server $target.host -Database $target.database -Credential $Cred -CaCertificateFile $TestNet.tls.caFile -ErrorAction Stop
        $db.TlsMode | Should -Be 'VerifyFull'
        $db.State | Should -Be 'Ready'
    }

    It 'refuses <Type> TLS when the certificate does not name the server' -ForEach @(
        @{ Type = 'PostgreSql'; Key = 'postgres' }, @{ Type = 'MySql'; Key = 'mysql' }
    ) {
        # The private address reaches the same server, but the certificate names db.private.test only... and its IP:
        # use a name the bastion resolves to the server but the certificate does not carry.
        $target = $TestNet.$Key
        $e = Get-FirstError { Connect-KaelioDatabase -Proxy $Proxy -Type $Type -Server 'echo.private.test' -Port $target.port -Database $target.database -Credential $Cred -CaCertificateFile $TestNet.tls.caFile -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'DatabaseTlsValidationFailed,*'
        $e.Exception.Message | Should -Match "does not name 'echo.private.test'"
    }

    It 'refuses a certificate from an untrusted CA under VerifyCA' {
        $e = Get-FirstError { Connect-KaelioDatabase -Proxy $Proxy -Type PostgreSql -Server $Pg.host -Database $Pg.database -Credential $Cred -SslMode VerifyCA -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'DatabaseTlsValidationFailed,*'
        $e.CategoryInfo.Category | Should -Be 'SecurityError'
    }

    It 'accepts any certificate with -TrustServerCertificate' {
        $db = Connect-KaelioDatabase -Proxy $Proxy -Type PostgreSql -Server $Pg.host -Database $Pg.database -Credential $Cred -SslMode VerifyFull -TrustServerCertificate -ErrorAction Stop
        $db.State | Should -Be 'Ready'
    }

    It 'reports <Case> as <Id>' -ForEach @(
        @{ Case = 'a wrong PostgreSQL password'; Id = 'DatabaseAuthenticationFailed'; Type = 'PostgreSql'; Server = 'db.private.test'; Port = 5432; Database = 'app'; BadPassword = $true }
        @{ Case = 'a wrong MySQL password'; Id = 'DatabaseAuthenticationFailed'; Type = 'MySql'; Server = 'db.private.test'; Port = 3306; Database = 'app'; BadPassword = $true }
        @{ Case = 'an unknown PostgreSQL database'; Id = 'DatabaseNotFound'; Type = 'PostgreSql'; Server = 'db.private.test'; Port = 5432; Database = 'nosuchdb' }
        @{ Case = 'a database host the bastion cannot resolve'; Id = 'RemoteHostNotFound'; Type = 'PostgreSql'; Server = 'nosuch.private.test'; Port = 5432; Database = 'app' }
        @{ Case = 'a port with nothing listening behind the bastion'; Id = 'RemoteConnectFailed'; Type = 'PostgreSql'; Server = 'db.private.test'; Port = 5999; Database = 'app' }
    ) {
        $credential = if ($BadPassword) { [pscredential]::new($Cred.UserName, (ConvertTo-SecureString 'wrong' -AsPlainText -Force)) } else { $Cred }
        $e = Get-FirstError { Connect-KaelioDatabase -Proxy $Proxy -Type $Type -Server $Server -Port $Port -Database $Database -Credential $credential -ConnectTimeout 10 -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        Get-KaelioConnection | Should -BeNullOrEmpty
    }

    It 'reports a bastion that refuses forwarding as SshForwardingRefused' {
        $noForward = New-TestProxy -Port $TestNet.bastion.noForwardingPort -Name 'no-forwarding'
        try {
            $e = Get-FirstError { $noForward | Connect-KaelioDatabase -Type PostgreSql -Server $Pg.host -Database $Pg.database -Credential $Cred -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -BeLike 'SshForwardingRefused,*'
            $e.CategoryInfo.Category | Should -Be 'SecurityError'
        }
        finally { $noForward | Remove-KaelioProxy }
    }

    It 'cannot reach the private database directly from this machine' {
        $e = Get-FirstError { Connect-KaelioDatabase -Type PostgreSql -Server $Pg.address -Database $Pg.database -Credential $Cred -ConnectTimeout 5 -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'DatabaseConnectFailed,*'
        $e.Exception.Message | Should -Match 'directly'
    }

    It 'says that <Type> is not yet supported' -ForEach @(@{ Type = 'SqlServer' }, @{ Type = 'Snowflake' }, @{ Type = 'Metabase' }) {
        $e = Get-FirstError { $Proxy | Connect-KaelioDatabase -Type $Type -Server 'db.private.test' -Credential $Cred -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'DatabaseTypeNotYetSupported,*'
        $e.CategoryInfo.Category | Should -Be 'NotImplemented'
    }

    It 'never shows the database password' {
        $secret = Read-Secret $Pg.passwordFile
        $db = $Proxy | Connect-KaelioDatabase -Type PostgreSql -Server $Pg.host -Database $Pg.database -Credential $Cred -Verbose 4>&1
        $bad = Connect-KaelioDatabase -Proxy $Proxy -Type MySql -Server $My.host -Database $My.database -Credential ([pscredential]::new('kaelio', (ConvertTo-SecureString "$secret-x" -AsPlainText -Force))) -ErrorAction Continue 2>&1
        $text = ($db + $bad | ForEach-Object { "$_"; if ($_ -is [System.Management.Automation.ErrorRecord]) { "$($_.Exception)" } }) + ($db | Format-List * | Out-String) | Out-String
        $text | Should -Match 'refused user'
        $text.Contains($secret) | Should -BeFalse
    }

    It 'lists and closes connections by name' {
        $null = $Proxy | Connect-KaelioDatabase -Type PostgreSql -Server $Pg.host -Database $Pg.database -Credential $Cred -Name 'pg1' -ErrorAction Stop
        (Get-KaelioConnection).Name | Should -Be 'pg1'
        Disconnect-KaelioDatabase -Name 'pg1' -WhatIf
        (Get-KaelioConnection pg1).State | Should -Be 'Ready'
        Disconnect-KaelioDatabase -Name 'pg1'
        Get-KaelioConnection | Should -BeNullOrEmpty
    }
}
