BeforeAll {
    . $PSScriptRoot/TestNetwork.ps1
    $script:Proxy = New-TestProxy -Name 'probe-tests'
    $script:Echo = $TestNet.echo.url
}
AfterAll { Get-KaelioProxy | Remove-KaelioProxy }

Describe 'Test-KaelioProxy' {
    It 'shows the exit IP: the bastion''s private-side address, not this machine''s' {
        $r = $Proxy | Test-KaelioProxy -EchoUri $Echo
        $r.Success | Should -BeTrue
        $r.ExitIp | Should -Be $TestNet.bastion.privateAddress
        $r.ExitIp | Should -Not -Be $TestNet.hostAddress
        $r.LatencyMs | Should -BeGreaterThan 0
        $r.ProxyName | Should -Be 'probe-tests'
        $r.ProxyType | Should -Be 'Ssh'
        $r.Location | Should -BeNullOrEmpty
    }

    It 'reads the location from an echo answer that carries one' {
        $r = Test-KaelioProxy $Proxy -EchoUri "$($Echo)json-geo"
        $r.ExitIp | Should -Be $TestNet.bastion.privateAddress
        $r.Location.City | Should -Be 'Testville'
        $r.Location.Region | Should -Be 'Test Region'
        $r.Location.Country | Should -Be 'Testland'
        $r.Location.CountryCode | Should -Be 'TL'
        ($r | Out-String) | Should -Match 'True\s+10\.213\.58\.1\s+Testville, Test Region, Testland'
    }

    It 'looks the location up in a MaxMind-format database when the echo answer has none' {
        $r = $Proxy | Test-KaelioProxy -EchoUri $Echo -GeoIPDatabase $TestNet.geoip.database
        $r.ExitIp | Should -Be $TestNet.bastion.privateAddress
        $r.Location.City | Should -Be 'Bastionville'
        $r.Location.Region | Should -Be 'Namespace County'
        $r.Location.Country | Should -Be 'Testland'
        $r.Location.CountryCode | Should -Be 'TL'
    }

    It 'prefers the echo answer''s location to the database''s' {
        (Test-KaelioProxy $Proxy -EchoUri "$($Echo)json-geo" -GeoIPDatabase $TestNet.geoip.database).Location.City | Should -Be 'Testville'
    }

    It 'uses $env:KAELIO_GEOIP_DATABASE when -GeoIPDatabase is not given' {
        $env:KAELIO_GEOIP_DATABASE = $TestNet.geoip.database
        try { ($Proxy | Test-KaelioProxy -EchoUri $Echo).Location.City | Should -Be 'Bastionville' }
        finally { Remove-Item Env:KAELIO_GEOIP_DATABASE }
    }

    It 'refuses a file that is not a MaxMind database' {
        $e = Get-FirstError { $Proxy | Test-KaelioProxy -EchoUri $Echo -GeoIPDatabase $TestNet.tls.caFile -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'GeoIpDatabaseUnreadable,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'uses $env:KAELIO_ECHO_URI when -EchoUri is not given' {
        ($Proxy | Test-KaelioProxy).EchoUri | Should -Be ([uri]$Echo)
    }

    It 'checks a -Target through the proxy' {
        $r = $Proxy | Test-KaelioProxy -EchoUri $Echo -Target "$($TestNet.postgres.host):$($TestNet.postgres.port)"
        $r.Success | Should -BeTrue
        $r.TargetReachable | Should -BeTrue
    }

    It 'answers <Case> with Success = $false and <Id>, within the timeout' -ForEach @(
        @{ Case = 'an unreachable target'; Id = 'RemoteConnectFailed'; Target = 'db.private.test:5999' }
        @{ Case = 'a target name the bastion cannot resolve'; Id = 'RemoteHostNotFound'; Target = 'nosuch.private.test:5432' }
        @{ Case = 'an unreachable echo service'; Id = 'RemoteConnectFailed'; EchoPath = 'http://echo.private.test:5998/' }
        @{ Case = 'an echo service that does not answer with an address'; Id = 'EchoAnswerInvalid'; EchoPath = 'http://echo.private.test:8080/missing' ; Any = $true }
    ) {
        $splat = @{ EchoUri = if ($EchoPath) { $EchoPath } else { $Echo }; TimeoutSec = 5 }
        if ($Target) { $splat.Target = $Target }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = $Proxy | Test-KaelioProxy @splat
        $watch.Stop()
        $r.Success | Should -BeFalse
        if ($Any) { $r.ErrorId | Should -BeIn @('EchoAnswerInvalid', 'EchoServiceFailed') } else { $r.ErrorId | Should -Be $Id }
        $r.Error | Should -Not -BeNullOrEmpty
        if ($Target) { $r.TargetReachable | Should -BeFalse }
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 15
    }

    It 'answers for a closed proxy and goes on with the next one in the pipeline' {
        $closed = New-TestProxy -Name 'closed-one'
        $closed | Remove-KaelioProxy
        $results = $closed, $Proxy | Test-KaelioProxy -EchoUri $Echo
        $results.Count | Should -Be 2
        $results[0].Success | Should -BeFalse
        $results[0].ErrorId | Should -Be 'ProxyNotReady'
        $results[1].Success | Should -BeTrue
    }

    It 'returns only $true or $false with -Quiet' {
        $Proxy | Test-KaelioProxy -EchoUri $Echo -Quiet | Should -BeExactly $true
        $Proxy | Test-KaelioProxy -EchoUri 'http://echo.private.test:5998/' -TimeoutSec 5 -Quiet | Should -BeExactly $false
    }
}
