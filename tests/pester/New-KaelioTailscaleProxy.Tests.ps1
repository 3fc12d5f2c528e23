# Tailscale here is a STAND-IN (tests/tailscale-standin): real tailscaled and a control server
# cannot run on the test machines. The stand-in takes the real flags and LocalAPI calls, and its
# SOCKS5 proxy really carries traffic into the test network's namespaces.
BeforeAll {
    . $PSScriptRoot/TestNetwork.ps1
    $script:Ts = $TestNet.tailscale
    $env:KAELIO_TAILNET_STANDIN_CONFIG = $Ts.config
    $script:Log = Join-Path ([IO.Path]::GetTempPath()) "kaelio-standin-log-$([guid]::NewGuid())"
    New-Item -ItemType Directory $Log | Out-Null
    $env:KAELIO_TAILNET_STANDIN_LOG = $Log

    function Get-AuthKey([string] $Kind = 'valid') { ConvertTo-SecureString (Read-Secret $Ts.authKeyFiles.$Kind) -AsPlainText -Force }

    function New-TestTailscaleProxy {
        param([string] $Kind = 'valid', [string] $ExitNode, [string] $Name, [uri] $ControlUrl, [int] $Timeout = 20)
        $splat = @{ AuthKey = Get-AuthKey $Kind; TailscaledPath = $Ts.tailscaled; TailscalePath = $Ts.tailscale; Timeout = $Timeout; ErrorAction = 'Stop' }
        if ($ExitNode) { $splat.ExitNode = $ExitNode }
        if ($Name) { $splat.Name = $Name }
        if ($ControlUrl) { $splat.ControlUrl = $ControlUrl }
        New-KaelioTailscaleProxy @splat
    }

    function Get-StandinDaemons { @(Get-Process | Where-Object { $_.CommandLine -like "*$($Ts.tailscaled)*" }) }
    function Get-StateFolders { @(Get-ChildItem ([IO.Path]::GetTempPath()) -Directory -Filter 'kaelio-ts-*' -ErrorAction Ignore) }
    function Get-Invocations { @(Get-Content (Join-Path $Log 'invocations.jsonl') -ErrorAction Ignore | ConvertFrom-Json) }
    function Get-ControlEvents { @(Get-Content (Join-Path $Log 'control.jsonl') -ErrorAction Ignore | ConvertFrom-Json) }
}

AfterAll {
    Get-KaelioProxy | Remove-KaelioProxy
    Remove-Item $Log -Recurse -ErrorAction Ignore
    Remove-Item Env:KAELIO_TAILNET_STANDIN_CONFIG, Env:KAELIO_TAILNET_STANDIN_LOG -ErrorAction Ignore
}

Describe 'New-KaelioTailscaleProxy (Tailscale stand-in)' {
    It 'joins the tailnet as an ephemeral node and shows its addresses, name and state' {
        $p = New-TestTailscaleProxy -Name 'ts-join'
        try {
            $p.Type | Should -Be 'Tailscale'
            $p.State | Should -Be 'Ready'
            $p.NodeName | Should -Be 'kaelio-proxy'
            $p.BackendState | Should -Be 'Running'
            $p.TailscaleIPs | Should -Not -BeNullOrEmpty
            $p.TailscaleIPs[0] | Should -Match '^100\.'
            $p.ExitNode | Should -BeNullOrEmpty
            (Get-ControlEvents | Where-Object { $_.event -eq 'register' -and $_.hostname -eq 'kaelio-proxy' })[-1].ephemeral | Should -BeTrue
        }
        finally { $p | Remove-KaelioProxy }
    }

    It 'never puts the auth key in arguments, environment, files or output' {
        $secret = Read-Secret $Ts.authKeyFiles.valid
        $out = New-KaelioTailscaleProxy -AuthKey (Get-AuthKey) -TailscaledPath $Ts.tailscaled -TailscalePath $Ts.tailscale -Verbose 4>&1
        $p = $out | Where-Object { $_.PSObject.TypeNames -contains 'Kaelio.Engine.Proxies.Tailscale.TailscaleProxy' }
        try {
            $invocations = Get-Invocations
            ($invocations.program | Sort-Object -Unique) | Should -Be @('tailscale', 'tailscaled')
            foreach ($i in $invocations) {
                $i.secretsInArgvOrEnv | Should -BeNullOrEmpty
                ($i.argv -join ' ').Contains($secret) | Should -BeFalse
                ($i.env | ConvertTo-Json -Compress).Contains($secret) | Should -BeFalse
            }
            ($invocations | Where-Object program -eq 'tailscale').argv | Should -Contain 'up'
            (($invocations | Where-Object program -eq 'tailscale').argv | Where-Object { $_ -like '--auth-key=file:*' }) | Should -Not -BeNullOrEmpty
            Get-StateFolders | Get-ChildItem -Recurse -File | Where-Object { (Get-Content $_ -Raw -ErrorAction Ignore) -like "*$secret*" } | Should -BeNullOrEmpty
            ($out + ($p | Format-List * | Out-String) | Out-String).Contains($secret) | Should -BeFalse
        }
        finally { $p | Remove-KaelioProxy }
    }

    It 'queries <Type> on the private network through the tailnet' -ForEach @(
        @{ Type = 'PostgreSql'; Key = 'postgres' }, @{ Type = 'MySql'; Key = 'mysql' }
    ) {
        $p = New-TestTailscaleProxy
        try {
            $target = $TestNet.$Key
            $db = $p | Connect-KaelioDatabase -Type $Type -Server $target.host -Database $target.database -Credential (Get-DbCredential) -CaCertificateFile $TestNet.tls.caFile -ErrorAction Stop
            ($db | Invoke-KaelioQuery 'select count(*) as n from orders').n | Should -Be 3
            $db.LocalEndPoint | Should -Match '^127\.0\.0\.1:'
        }
        finally { $p | Remove-KaelioProxy }
    }

    It 'routes directly without an exit node, through the exit node with one' {
        $direct = New-TestTailscaleProxy -Name 'ts-direct'
        $viaExit = New-TestTailscaleProxy -Name 'ts-exit' -ExitNode $Ts.exitNode
        try {
            $a = $direct | Test-KaelioProxy -EchoUri $Ts.internetEchoUrl
            $b = $viaExit | Test-KaelioProxy -EchoUri $Ts.internetEchoUrl
            $a.Success | Should -BeTrue
            $a.ExitIp | Should -Be $Ts.nodeAddress
            $a.ExitNode | Should -BeNullOrEmpty
            $b.Success | Should -BeTrue
            $b.ExitIp | Should -Be $Ts.exitAddress
            $b.ExitIp | Should -Not -Be $a.ExitIp
            $b.ExitNode | Should -Be $Ts.exitNodeName
            # The location the tailnet reports for the exit node.
            $b.Location.City | Should -Be 'Paris'
            $b.Location.CountryCode | Should -Be 'FR'
            $viaExit.ExitNode | Should -Be $Ts.exitNode
            $viaExit.ExitNodeName | Should -Be $Ts.exitNodeName
        }
        finally { $direct, $viaExit | Remove-KaelioProxy }
    }

    It 'takes the exit node by its node name' {
        $p = New-TestTailscaleProxy -ExitNode $Ts.exitNodeName
        try { ($p | Test-KaelioProxy -EchoUri $Ts.internetEchoUrl).ExitIp | Should -Be $Ts.exitAddress }
        finally { $p | Remove-KaelioProxy }
    }

    It 'joins through a self-hosted control server (-ControlUrl)' {
        $p = New-TestTailscaleProxy -ControlUrl $Ts.controlUrl
        try { $p.ControlUrl | Should -Be ([uri]$Ts.controlUrl) }
        finally { $p | Remove-KaelioProxy }
        ((Get-Invocations | Where-Object program -eq 'tailscale').argv | Where-Object { $_ -eq "--login-server=$($Ts.controlUrl)" }) | Should -Not -BeNullOrEmpty
    }

    It 'explains <Case> as <Id>' -ForEach @(
        @{ Case = 'a database name the tailnet cannot resolve'; Id = 'RemoteHostNotFound'; Server = 'nosuch.private.test'; Port = 5432 }
        @{ Case = 'a port with nothing listening'; Id = 'RemoteConnectFailed'; Server = 'db.private.test'; Port = 5999 }
    ) {
        $p = New-TestTailscaleProxy
        try {
            $e = Get-FirstError { $p | Connect-KaelioDatabase -Type PostgreSql -Server $Server -Port $Port -Database app -Credential (Get-DbCredential) -ConnectTimeout 10 -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
            ($p | Test-KaelioProxy -EchoUri $Ts.internetEchoUrl -Target "${Server}:$Port").ErrorId | Should -Be $Id
        }
        finally { $p | Remove-KaelioProxy }
    }

    It 'logs out, stops its daemon and deletes its state when removed' {
        $daemons = (Get-StandinDaemons).Count
        $folders = (Get-StateFolders).Count
        $p = New-TestTailscaleProxy -Name 'ts-remove'
        (Get-StandinDaemons).Count | Should -Be ($daemons + 1)
        (Get-StateFolders).Count | Should -Be ($folders + 1)
        $p | Remove-KaelioProxy
        $p.State | Should -Be 'Closed'
        (Get-ControlEvents)[-2..-1].event | Should -Contain 'logout'
        (Get-StandinDaemons).Count | Should -Be $daemons
        (Get-StateFolders).Count | Should -Be $folders
    }
}

Describe 'Tailscale proxy life cycle (Tailscale stand-in)' {
    It 'goes Faulted when its tailscaled dies, and Test-KaelioProxy says so' {
        $p = New-TestTailscaleProxy -Name 'ts-crash'
        try {
            $before = Get-StandinDaemons
            $daemon = $before | Sort-Object StartTime | Select-Object -Last 1
            Stop-Process -Id $daemon.Id -Force
            $deadline = (Get-Date).AddSeconds(10)
            while ($p.State -ne 'Faulted' -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $p.State | Should -Be 'Faulted'
            $p.LastError | Should -Match 'tailscaled exited'
            $r = $p | Test-KaelioProxy -EchoUri $Ts.internetEchoUrl
            $r.Success | Should -BeFalse
            $r.ErrorId | Should -Be 'ProxyNotReady'
        }
        finally { $p | Remove-KaelioProxy }
        $p.State | Should -Be 'Closed'
    }

    It 'logs out and stops its daemon when the module is removed' {
        $daemons = (Get-StandinDaemons).Count
        $p = New-TestTailscaleProxy -Name 'ts-module'
        Remove-Module KaelioProxy
        try {
            $p.State | Should -Be 'Closed'
            (Get-ControlEvents)[-1].event | Should -Be 'logout'
            (Get-StandinDaemons).Count | Should -Be $daemons
        }
        finally { Import-Module $env:KAELIO_MODULE_PATH -Force }
    }

    It 'logs out and stops its daemon when the PowerShell process exits' {
        $daemons = (Get-StandinDaemons).Count
        $folders = (Get-StateFolders).Count
        $script = "Import-Module '$env:KAELIO_MODULE_PATH'; `$k = ConvertTo-SecureString (Get-Content '$($Ts.authKeyFiles.valid)' -Raw).Trim() -AsPlainText -Force; " +
            "`$p = New-KaelioTailscaleProxy -AuthKey `$k -Hostname exit-test -TailscaledPath '$($Ts.tailscaled)' -TailscalePath '$($Ts.tailscale)' -ErrorAction Stop; 'joined=' + `$p.State"
        $output = dotnet pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $output | Should -Match 'joined=Ready'
        (Get-ControlEvents | Where-Object { $_.event -eq 'logout' -and $_.hostname -like 'exit-test*' }) | Should -Not -BeNullOrEmpty
        (Get-StandinDaemons).Count | Should -Be $daemons
        (Get-StateFolders).Count | Should -Be $folders
    }

    It 'copes with tailscaled''s real SOCKS5 answers (general failure for every refused connect)' {
        $env:KAELIO_TAILNET_STANDIN_SOCKS_ERRORS = 'general'
        try {
            $p = New-TestTailscaleProxy -Name 'ts-general'
            try {
                $e = Get-FirstError { $p | Connect-KaelioDatabase -Type PostgreSql -Server 'nosuch.private.test' -Database app -Credential (Get-DbCredential) -ConnectTimeout 10 -ErrorAction Stop }
                $e.FullyQualifiedErrorId | Should -BeLike 'RemoteConnectFailed,*'
                $e.Exception.Message | Should -Match 'general failure'
            }
            finally { $p | Remove-KaelioProxy }
        }
        finally { Remove-Item Env:KAELIO_TAILNET_STANDIN_SOCKS_ERRORS }
    }
}

Describe 'New-KaelioTailscaleProxy bad input (Tailscale stand-in)' {
    BeforeEach {
        $script:Daemons = (Get-StandinDaemons).Count
        $script:Folders = (Get-StateFolders).Count
        $script:Started = (Get-Invocations).Count
    }

    It 'reports <Case> as <Id> (<Category>) and leaves nothing behind' -ForEach @(
        @{ Case = 'a key that is not tskey-…'; Id = 'TailscaleAuthKeyInvalid'; Category = 'InvalidArgument'; Before = $true
            Run = { New-KaelioTailscaleProxy -AuthKey (ConvertTo-SecureString 'not-a-key' -AsPlainText -Force) -TailscaledPath $Ts.tailscaled -TailscalePath $Ts.tailscale -ErrorAction Stop } }
        @{ Case = 'an exit node outside Tailscale''s ranges'; Id = 'TailscaleExitNodeInvalid'; Category = 'InvalidArgument'; Before = $true
            Run = { New-TestTailscaleProxy -ExitNode '10.1.2.3' } }
        @{ Case = 'missing binaries'; Id = 'TailscaleNotInstalled'; Category = 'ObjectNotFound'; Before = $true
            Run = { New-KaelioTailscaleProxy -AuthKey (Get-AuthKey) -TailscaledPath '/nonexistent/tailscaled' -TailscalePath $Ts.tailscale -ErrorAction Stop } }
        @{ Case = 'an expired key'; Id = 'TailscaleLoginRefused'; Category = 'AuthenticationError'
            Run = { New-TestTailscaleProxy -Kind expired } }
        @{ Case = 'a node that needs approval'; Id = 'TailscaleMachineNeedsApproval'; Category = 'AuthenticationError'
            Run = { New-TestTailscaleProxy -Kind needsApproval -Timeout 3 } }
        @{ Case = 'an unknown exit node name'; Id = 'TailscaleExitNodeUnavailable'; Category = 'ObjectNotFound'
            Run = { New-TestTailscaleProxy -ExitNode 'no-such-exit' } }
        @{ Case = 'an offline exit node'; Id = 'TailscaleExitNodeUnavailable'; Category = 'ResourceUnavailable'
            Run = { New-TestTailscaleProxy -ExitNode $Ts.offlineExitNode } }
        @{ Case = 'an unreachable control server'; Id = 'TailscaleLoginFailed'; Category = 'ConnectionError'
            Run = { New-TestTailscaleProxy -ControlUrl 'https://control.unreachable.test' } }
    ) {
        $e = Get-FirstError $Run
        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        "$($e.CategoryInfo.Category)" | Should -Be $Category
        ($e.Exception.Message).Contains((Read-Secret $Ts.authKeyFiles.valid)) | Should -BeFalse
        if ($Before) { (Get-Invocations).Count | Should -Be $Started -Because 'bad input is refused before anything starts' }
        Get-KaelioProxy | Should -BeNullOrEmpty
        (Get-StandinDaemons).Count | Should -Be $Daemons
        (Get-StateFolders).Count | Should -Be $Folders
    }
}
