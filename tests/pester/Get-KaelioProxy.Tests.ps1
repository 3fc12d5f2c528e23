BeforeAll { . $PSScriptRoot/TestNetwork.ps1 }
AfterAll { Get-KaelioProxy | Remove-KaelioProxy }

Describe 'Get-KaelioProxy and Remove-KaelioProxy' {
    BeforeEach { Get-KaelioProxy | Remove-KaelioProxy }

    It 'lists the open proxies, by name and wildcard' {
        $a = New-TestProxy -Name 'alpha'
        $b = New-TestProxy -Name 'beta'
        (Get-KaelioProxy).Name | Sort-Object | Should -Be @('alpha', 'beta')
        (Get-KaelioProxy -Name 'al*').Name | Should -Be 'alpha'
        (Get-KaelioProxy beta) | Should -Be $b
    }

    It 'names proxies user@host by default and keeps names unique' {
        $a = New-TestProxy
        $b = New-TestProxy
        $a.Name | Should -Be "$($TestNet.ssh.user)@$($TestNet.bastion.address)"
        $b.Name | Should -Be "$($a.Name)#2"
    }

    It 'refuses a -Name already in use' {
        $null = New-TestProxy -Name 'taken'
        $e = Get-FirstError { New-TestProxy -Name 'taken' }
        $e.FullyQualifiedErrorId | Should -BeLike 'NameInUse,*'
    }

    It 'reports a missing name but not an empty wildcard' {
        $e = Get-FirstError { Get-KaelioProxy -Name 'nope' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'ProxyNotFound,*'
        Get-KaelioProxy -Name 'nope*' -ErrorAction Stop | Should -BeNullOrEmpty
    }

    It 'keeps the proxy with -WhatIf, closes it otherwise, and closing twice is harmless' {
        $p = New-TestProxy
        $p | Remove-KaelioProxy -WhatIf
        $p.State | Should -Be 'Ready'
        Remove-KaelioProxy -Name $p.Name
        $p.State | Should -Be 'Closed'
        Get-KaelioProxy | Should -BeNullOrEmpty
        { $p | Remove-KaelioProxy -ErrorAction Stop } | Should -Not -Throw
    }

    It 'closes the connections that go through a removed proxy' {
        $p = New-TestProxy
        $db = $p | Connect-KaelioDatabase -Type PostgreSql -Server $TestNet.postgres.host -Database $TestNet.postgres.database -Credential (Get-DbCredential) -ErrorAction Stop
        $db.State | Should -Be 'Ready'
        $p | Remove-KaelioProxy
        $db.State | Should -Be 'Closed'
        Get-KaelioConnection | Should -BeNullOrEmpty
    }

    It 'shows a table with name, type, state and endpoint' {
        $p = New-TestProxy -Name 'shown'
        $table = $p | Out-String
        $table | Should -Match 'Name\s+Type\s+State\s+Endpoint'
        $table | Should -Match "shown\s+Ssh\s+Ready\s+$([regex]::Escape($TestNet.ssh.user))@"
    }

    It 'closes every proxy when the module is removed' {
        $p = New-TestProxy
        Remove-Module KaelioProxy
        try { $p.State | Should -Be 'Closed' }
        finally { Import-Module $env:KAELIO_MODULE_PATH -Force }
    }

    It 'keeps proxies of different runspaces apart' {
        $p = New-TestProxy -Name 'here'
        $ps = [powershell]::Create()
        try {
            $names = $ps.AddScript("Import-Module '$env:KAELIO_MODULE_PATH'; (Get-KaelioProxy).Name").Invoke()
            $names | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
        (Get-KaelioProxy).Name | Should -Be 'here'
    }
}
