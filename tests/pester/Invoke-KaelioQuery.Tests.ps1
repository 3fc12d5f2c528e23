BeforeAll {
    . $PSScriptRoot/TestNetwork.ps1
    $script:Proxy = New-TestProxy -Name 'query-tests'
    $cred = Get-DbCredential
    $script:Pg = $Proxy | Connect-KaelioDatabase -Type PostgreSql -Server $TestNet.postgres.host -Database app -Credential $cred -Name pg -ErrorAction Stop
    $script:My = $Proxy | Connect-KaelioDatabase -Type MySql -Server $TestNet.mysql.host -Database app -Credential $cred -Name my -ErrorAction Stop
}
AfterAll { Get-KaelioProxy | Remove-KaelioProxy }

Describe 'Invoke-KaelioQuery on <Name>' -ForEach @(@{ Name = 'PostgreSQL'; Key = 'Pg' }, @{ Name = 'MySQL' ; Key = 'My' }) {
    BeforeAll { $script:Db = Get-Variable -Scope Script -Name $Key -ValueOnly }

    It 'returns rows as objects with typed columns and NULL as $null' {
        $rows = $Db | Invoke-KaelioQuery 'select id, item, amount, placed_at, note from orders order by id'
        $rows.Count | Should -Be 3
        $rows[0].PSObject.Properties.Name | Should -Be @('id', 'item', 'amount', 'placed_at', 'note')
        $rows[0].id | Should -BeOfType [int]
        $rows[0].item | Should -BeOfType [string]
        $rows[0].amount | Should -BeOfType [decimal]
        $rows[0].placed_at | Should -BeOfType [datetime]
        @($rows | Where-Object { $null -eq $_.note }).Count | Should -Be 1
    }

    It 'binds -Parameters instead of building SQL text' {
        $rows = Invoke-KaelioQuery $Db 'select item from orders where id = @id or item = @item order by id' -Parameters @{ id = 1; item = "x' or '1'='1" }
        @($rows).Count | Should -Be 1
    }

    It 'reports a bad statement as QueryFailed and stays usable' {
        $e = Get-FirstError { $Db | Invoke-KaelioQuery 'select * from no_such_table' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'QueryFailed,*'
        ($Db | Invoke-KaelioQuery 'select 1 as one').one | Should -Be 1
    }

    It 'runs statements without rows, reporting the count in verbose output' {
        $out = $Db | Invoke-KaelioQuery 'update orders set note = note where id = 1' -Verbose 4>&1
        "$out" | Should -Match '1 row\(s\) affected'
    }

    It 'names duplicate columns apart' {
        $row = $Db | Invoke-KaelioQuery 'select 1 as n, 2 as n'
        $row.n | Should -Be 1
        $row.n_2 | Should -Be 2
    }
}

Describe 'Invoke-KaelioQuery streaming and cancellation' {
    It 'streams rows: the first rows of a huge result arrive without reading it all' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $rows = $Pg | Invoke-KaelioQuery 'select i from generate_series(1, 200000000) as i' | Select-Object -First 3
        $watch.Stop()
        $rows.i | Should -Be @(1, 2, 3)
        # Buffering 200 million rows would take minutes; this bound only keeps a broken build from hanging.
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 60
        ($Pg | Invoke-KaelioQuery 'select 2 as two').two | Should -Be 2
    }

    It 'stops a running query promptly when the pipeline is stopped (Ctrl+C)' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:KAELIO_MODULE_PATH'; `$args[0] | Invoke-KaelioQuery 'select pg_sleep(60)'").AddArgument($Pg)
            $async = $ps.BeginInvoke()
            Start-Sleep -Seconds 1
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
        ($Pg | Invoke-KaelioQuery 'select 3 as three').three | Should -Be 3
    }

    It 'refuses a second query while the rows of the first are still being read' {
        $e = Get-FirstError { $Pg | Invoke-KaelioQuery 'select i from generate_series(1, 3) as i' | ForEach-Object { $Pg | Invoke-KaelioQuery 'select 1' -ErrorAction Stop } }
        $e.FullyQualifiedErrorId | Should -BeLike 'ConnectionBusy,*'
    }

    It 'times out with -TimeoutSec as QueryTimeout' {
        $e = Get-FirstError { $Pg | Invoke-KaelioQuery 'select pg_sleep(30)' -TimeoutSec 1 -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'QueryTimeout,*'
        ($Pg | Invoke-KaelioQuery 'select 4 as four').four | Should -Be 4
    }

    It 'fails clearly on a closed connection' {
        $c = $Proxy | Connect-KaelioDatabase -Type PostgreSql -Server $TestNet.postgres.host -Database app -Credential (Get-DbCredential) -ErrorAction Stop
        $c | Disconnect-KaelioDatabase
        $e = Get-FirstError { $c | Invoke-KaelioQuery 'select 1' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'ConnectionClosed,*'
    }
}
