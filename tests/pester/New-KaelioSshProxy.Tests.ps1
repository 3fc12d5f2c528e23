BeforeAll {
    . $PSScriptRoot/TestNetwork.ps1
    $script:Bastion = $TestNet.bastion.address
    $script:User = $TestNet.ssh.user
    $script:Known = $TestNet.bastion.knownHostsFile
}

AfterAll { Get-KaelioProxy | Remove-KaelioProxy }

Describe 'New-KaelioSshProxy authentication' {
    It 'logs in with a password (-Credential)' {
        $p = New-KaelioSshProxy -ComputerName $Bastion -Credential (Get-SshCredential) -KnownHostsPath $Known -ErrorAction Stop
        $p.State | Should -Be 'Ready'
        $p.Type | Should -Be 'Ssh'
        $p.UserName | Should -Be $User
        $p.HostKeyFingerprint | Should -BeIn $TestNet.bastion.hostKeyFingerprints
        $p | Remove-KaelioProxy
        $p.State | Should -Be 'Closed'
    }

    It 'logs in with the <Kind> key' -ForEach @(
        @{ Kind = 'ed25519' }, @{ Kind = 'rsaPem' }, @{ Kind = 'rsaOpenSsh' }
    ) {
        $p = New-KaelioSshProxy -SshHost $Bastion -UserName $User -KeyFile $TestNet.ssh.keys.$Kind -KnownHostsPath $Known -ErrorAction Stop
        $p.State | Should -Be 'Ready'
        $p | Remove-KaelioProxy
    }

    It 'logs in with the encrypted <Kind> key and its passphrase' -ForEach @(
        @{ Kind = 'ed25519Encrypted' }, @{ Kind = 'rsaPemEncrypted' }, @{ Kind = 'ecdsaPkcs8Encrypted' }
    ) {
        $p = New-KaelioSshProxy -HostName $Bastion -UserName $User -KeyFile $TestNet.ssh.keys.$Kind -Passphrase (Get-KeyPassphrase) -KnownHostsPath $Known -ErrorAction Stop
        $p.State | Should -Be 'Ready'
        $p | Remove-KaelioProxy
    }

    It 'takes the key as text (-KeyString)' {
        $p = New-KaelioSshProxy $Bastion -UserName $User -KeyString (Get-Content $TestNet.ssh.keys.ed25519 -Raw) -KnownHostsPath $Known -ErrorAction Stop
        $p.State | Should -Be 'Ready'
        $p | Remove-KaelioProxy
    }
}

Describe 'New-KaelioSshProxy host keys' {
    BeforeEach {
        $script:Empty = Join-Path ([IO.Path]::GetTempPath()) "kaelio-known-$([guid]::NewGuid())"
    }
    AfterEach { Remove-Item $Empty -ErrorAction Ignore }

    It 'refuses an unknown host key under Strict and prints its fingerprint and the parameter to pass' {
        $e = Get-FirstError { New-KaelioSshProxy $Bastion -UserName $User -KeyFile $TestNet.ssh.keys.ed25519 -KnownHostsPath $Empty -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'SshHostKeyUnknown,*'
        $e.CategoryInfo.Category | Should -Be 'SecurityError'
        $fingerprint = $TestNet.bastion.hostKeyFingerprints | Where-Object { $e.Exception.Message.Contains($_) }
        $fingerprint | Should -Not -BeNullOrEmpty
        $e.Exception.Message | Should -BeLike "*-HostKeyFingerprint '$fingerprint'*"
        Test-Path $Empty | Should -BeFalse
    }

    It 'accepts a pinned fingerprint' {
        $p = New-KaelioSshProxy $Bastion -UserName $User -KeyFile $TestNet.ssh.keys.ed25519 -KnownHostsPath $Empty -HostKeyFingerprint $TestNet.bastion.hostKeyFingerprints -ErrorAction Stop
        $p.State | Should -Be 'Ready'
        $p | Remove-KaelioProxy
    }

    It 'records an unknown key under AcceptNew, then trusts it under Strict' {
        $p = New-KaelioSshProxy $Bastion -UserName $User -KeyFile $TestNet.ssh.keys.ed25519 -KnownHostsPath $Empty -HostKeyPolicy AcceptNew -ErrorAction Stop
        $p | Remove-KaelioProxy
        (Get-Content $Empty) | Should -Match "^$([regex]::Escape($Bastion)) "
        $again = New-KaelioSshProxy $Bastion -UserName $User -KeyFile $TestNet.ssh.keys.ed25519 -KnownHostsPath $Empty -ErrorAction Stop
        $again.State | Should -Be 'Ready'
        $again | Remove-KaelioProxy
    }

    It 'trusts hashed known_hosts names (ssh-keygen -H)' {
        Copy-Item $Known $Empty
        ssh-keygen -H -f $Empty 2>$null | Out-Null
        (Get-Content $Empty -Raw) | Should -Not -Match ([regex]::Escape($Bastion))
        $p = New-KaelioSshProxy $Bastion -UserName $User -KeyFile $TestNet.ssh.keys.ed25519 -KnownHostsPath $Empty -ErrorAction Stop
        $p.State | Should -Be 'Ready'
        $p | Remove-KaelioProxy
    }

    It 'trusts [host]:port entries for a non-standard port' {
        (Get-Content $Known) -replace "^$([regex]::Escape($Bastion)) ", "[$Bastion]:$($TestNet.bastion.noForwardingPort) " | Set-Content $Empty
        $p = New-KaelioSshProxy $Bastion -Port $TestNet.bastion.noForwardingPort -UserName $User -KeyFile $TestNet.ssh.keys.ed25519 -KnownHostsPath $Empty -ErrorAction Stop
        $p.State | Should -Be 'Ready'
        $p | Remove-KaelioProxy
    }

    It 'refuses a changed host key under <Policy>, naming both fingerprints' -ForEach @(
        @{ Policy = 'Strict' }, @{ Policy = 'AcceptNew' }, @{ Policy = 'Insecure' }
    ) {
        # known_hosts holds other keys of the same types for this host: the bastion "changed".
        $other = Join-Path ([IO.Path]::GetTempPath()) "kaelio-other-$([guid]::NewGuid())"
        ssh-keygen -q -t ed25519 -N '' -f "$other-ed" | Out-Null
        ssh-keygen -q -t rsa -b 2048 -N '' -f "$other-rsa" | Out-Null
        $lines = foreach ($pub in "$other-ed.pub", "$other-rsa.pub") { $t, $k, $null = (Get-Content $pub) -split ' '; "$Bastion $t $k" }
        $lines | Set-Content $Empty
        try {
            $e = Get-FirstError { New-KaelioSshProxy $Bastion -UserName $User -KeyFile $TestNet.ssh.keys.ed25519 -KnownHostsPath $Empty -HostKeyPolicy $Policy -ErrorAction Stop -WarningAction SilentlyContinue }
            $e.FullyQualifiedErrorId | Should -BeLike 'SshHostKeyMismatch,*'
            $e.CategoryInfo.Category | Should -Be 'SecurityError'
            $e.Exception.Message | Should -Match 'expected SHA256:\S+.*received \S+ SHA256:'
            (Get-Content $Empty).Count | Should -Be 2
        }
        finally { Remove-Item "$other*" }
    }

    It 'refuses a key that does not match a pinned fingerprint' {
        $e = Get-FirstError { New-KaelioSshProxy $Bastion -UserName $User -KeyFile $TestNet.ssh.keys.ed25519 -KnownHostsPath $Empty -HostKeyFingerprint ('SHA256:' + 'A' * 43) -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'SshHostKeyMismatch,*'
    }

    It 'trusts any new key under Insecure, with a warning' {
        $p = New-KaelioSshProxy $Bastion -UserName $User -KeyFile $TestNet.ssh.keys.ed25519 -KnownHostsPath $Empty -HostKeyPolicy Insecure -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        $p.State | Should -Be 'Ready'
        $warnings | Should -Not -BeNullOrEmpty
        "$warnings" | Should -Match 'unverified host key'
        Test-Path $Empty | Should -BeFalse
        $p | Remove-KaelioProxy
    }
}

Describe 'New-KaelioSshProxy bad input' {
    It 'reports <Case> as <Id> (<Category>)' -ForEach @(
        @{ Case = 'a wrong password'; Id = 'SshAuthenticationFailed'; Category = 'AuthenticationError'
            Run = { New-KaelioSshProxy $TestNet.bastion.address -Credential ([pscredential]::new($TestNet.ssh.user, (ConvertTo-SecureString 'wrong-password' -AsPlainText -Force))) -KnownHostsPath $TestNet.bastion.knownHostsFile -ErrorAction Stop } }
        @{ Case = 'a key the bastion does not authorize'; Id = 'SshAuthenticationFailed'; Category = 'AuthenticationError'
            Run = { New-KaelioSshProxy $TestNet.bastion.address -UserName $TestNet.ssh.user -KeyFile $TestNet.ssh.keys.unauthorized -KnownHostsPath $TestNet.bastion.knownHostsFile -ErrorAction Stop } }
        @{ Case = 'a wrong passphrase (OpenSSH key)'; Id = 'SshKeyPassphraseIncorrect'; Category = 'AuthenticationError'
            Run = { New-KaelioSshProxy $TestNet.bastion.address -UserName $TestNet.ssh.user -KeyFile $TestNet.ssh.keys.ed25519Encrypted -Passphrase (ConvertTo-SecureString 'not-it' -AsPlainText -Force) -KnownHostsPath $TestNet.bastion.knownHostsFile -ErrorAction Stop } }
        @{ Case = 'a wrong passphrase (PEM key)'; Id = 'SshKeyPassphraseIncorrect'; Category = 'AuthenticationError'
            Run = { New-KaelioSshProxy $TestNet.bastion.address -UserName $TestNet.ssh.user -KeyFile $TestNet.ssh.keys.rsaPemEncrypted -Passphrase (ConvertTo-SecureString 'not-it' -AsPlainText -Force) -KnownHostsPath $TestNet.bastion.knownHostsFile -ErrorAction Stop } }
        @{ Case = 'a wrong passphrase (PKCS#8 key)'; Id = 'SshKeyPassphraseIncorrect'; Category = 'AuthenticationError'
            Run = { New-KaelioSshProxy $TestNet.bastion.address -UserName $TestNet.ssh.user -KeyFile $TestNet.ssh.keys.ecdsaPkcs8Encrypted -Passphrase (ConvertTo-SecureString 'not-it' -AsPlainText -Force) -KnownHostsPath $TestNet.bastion.knownHostsFile -ErrorAction Stop } }
        @{ Case = 'an encrypted key without a passphrase'; Id = 'SshKeyPassphraseRequired'; Category = 'AuthenticationError'
            Run = { New-KaelioSshProxy $TestNet.bastion.address -UserName $TestNet.ssh.user -KeyFile $TestNet.ssh.keys.ed25519Encrypted -KnownHostsPath $TestNet.bastion.knownHostsFile -ErrorAction Stop } }
        @{ Case = 'a malformed key'; Id = 'SshKeyMalformed'; Category = 'InvalidData'
            Run = { New-KaelioSshProxy $TestNet.bastion.address -UserName $TestNet.ssh.user -KeyString "-----BEGIN OPENSSH PRIVATE KEY-----`nbm90IGEga2V5`n-----END OPENSSH PRIVATE KEY-----" -KnownHostsPath $TestNet.bastion.knownHostsFile -ErrorAction Stop } }
        @{ Case = 'text that is no key at all'; Id = 'SshKeyMalformed'; Category = 'InvalidData'
            Run = { New-KaelioSshProxy $TestNet.bastion.address -UserName $TestNet.ssh.user -KeyString 'hello' -KnownHostsPath $TestNet.bastion.knownHostsFile -ErrorAction Stop } }
        @{ Case = 'a missing key file'; Id = 'SshKeyFileNotFound'; Category = 'ObjectNotFound'
            Run = { New-KaelioSshProxy $TestNet.bastion.address -UserName $TestNet.ssh.user -KeyFile '/nonexistent/id_ed25519' -ErrorAction Stop } }
        @{ Case = 'an unreachable bastion (unreachable route)'; Id = 'SshHostUnreachable'; Category = 'ConnectionError'
            Run = { New-KaelioSshProxy $TestNet.unreachable.address -UserName $TestNet.ssh.user -KeyFile $TestNet.ssh.keys.ed25519 -ConnectTimeout 5 -ErrorAction Stop } }
        @{ Case = 'a bastion port with nothing listening'; Id = 'SshConnectionRefused'; Category = 'ConnectionError'
            Run = { New-KaelioSshProxy $TestNet.bastion.address -Port $TestNet.unreachable.closedPort -UserName $TestNet.ssh.user -KeyFile $TestNet.ssh.keys.ed25519 -ErrorAction Stop } }
        @{ Case = 'an unknown bastion name'; Id = 'SshHostNotFound'; Category = 'ObjectNotFound'
            Run = { New-KaelioSshProxy 'no-such-bastion.kaelio.test' -UserName $TestNet.ssh.user -KeyFile $TestNet.ssh.keys.ed25519 -ConnectTimeout 5 -ErrorAction Stop } }
    ) {
        $e = Get-FirstError $Run
        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        "$($e.CategoryInfo.Category)" | Should -Be $Category
        Get-KaelioProxy | Should -BeNullOrEmpty
    }

    It 'times out on a server that never speaks SSH, within -ConnectTimeout' {
        $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
        $listener.Start()
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $e = Get-FirstError { New-KaelioSshProxy 127.0.0.1 -Port $listener.LocalEndpoint.Port -UserName $User -KeyFile $TestNet.ssh.keys.ed25519 -ConnectTimeout 2 -ErrorAction Stop }
            $watch.Stop()
            $e.FullyQualifiedErrorId | Should -BeLike 'SshConnectTimeout,*'
            $e.CategoryInfo.Category | Should -Be 'OperationTimeout'
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        }
        finally { $listener.Stop() }
    }

    It 'never shows a password, passphrase or key text in errors, verbose output or objects' {
        $password = Read-Secret $TestNet.ssh.passwordFile
        $passphrase = Read-Secret $TestNet.ssh.passphraseFile
        $keyText = Get-Content $TestNet.ssh.keys.ed25519Encrypted -Raw
        $keyBody = ($keyText -split "`n")[1]
        $wrong = [pscredential]::new($User, (ConvertTo-SecureString "$password-x" -AsPlainText -Force))
        $out = @(
            New-KaelioSshProxy $Bastion -Credential $wrong -KnownHostsPath $Known -Verbose -ErrorAction Continue 4>&1 2>&1
            New-KaelioSshProxy $Bastion -UserName $User -KeyString $keyText -Passphrase (ConvertTo-SecureString "$passphrase-x" -AsPlainText -Force) -KnownHostsPath $Known -Verbose -ErrorAction Continue 4>&1 2>&1
            $p = New-KaelioSshProxy $Bastion -Credential (Get-SshCredential) -KnownHostsPath $Known -Verbose 4>&1 2>&1
            $p; $p | Format-List * | Out-String; "$p"
        )
        $text = $out | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { "$_ $($_.Exception) $($_.ErrorDetails)" } else { "$_" } } | Out-String
        $text | Should -Not -BeNullOrEmpty
        $text | Should -Match 'refused user'
        $text | Should -Match 'passphrase does not decrypt'
        $text.Contains($password) | Should -BeFalse
        $text.Contains($passphrase) | Should -BeFalse
        $text.Contains($keyBody) | Should -BeFalse
        Get-KaelioProxy | Remove-KaelioProxy
    }
}
