# Examples for Get-Help <cmdlet> -Examples, merged into the MAML help by New-MamlHelp.ps1.
@{
    'New-KaelioSshProxy'        = @(
        @{ Code = '$proxy = New-KaelioSshProxy -ComputerName bastion.example.com -UserName deploy -KeyFile ~/.ssh/id_ed25519'
           Remarks = 'Connects to a bastion with a private key. The host key must already be in ~/.ssh/known_hosts (HostKeyPolicy Strict).' }
        @{ Code = 'New-KaelioSshProxy bastion.example.com -Credential (Get-Credential deploy) -HostKeyFingerprint ''SHA256:NIotvDYKjZl4SVSOsJkWdeJHDy83Y0Jeumb635uTHA4'''
           Remarks = 'Password authentication, trusting the bastion by its pinned fingerprint (as ssh-keygen -lf prints it).' }
        @{ Code = 'New-KaelioSshProxy jump.example.com -Port 2222 -UserName ci -KeyString $env:BASTION_KEY -Passphrase (Read-Host -AsSecureString) -HostKeyPolicy AcceptNew -Name ci-bastion'
           Remarks = 'An encrypted key held in a CI secret; an unknown host key is recorded in known_hosts on first use. A changed key is still refused.' }
    )
    'New-KaelioTailscaleProxy'  = @(
        @{ Code = '$proxy = New-KaelioTailscaleProxy -AuthKey (Read-Host -AsSecureString ''tskey-auth'')'
           Remarks = 'Joins the tailnet as the ephemeral node kaelio-proxy, with direct routing. Needs tailscaled and tailscale on PATH.' }
        @{ Code = 'New-KaelioTailscaleProxy -AuthKey $key -Hostname ci-runner-db -ExitNode 100.101.102.103 | Test-KaelioProxy'
           Remarks = 'All traffic leaves through the exit node; Test-KaelioProxy shows its address and location.' }
        @{ Code = 'New-KaelioTailscaleProxy -AuthKey $key -ControlUrl https://headscale.example.com -TailscaledPath /opt/tailscale/tailscaled -TailscalePath /opt/tailscale/tailscale'
           Remarks = 'A self-hosted control server (Headscale), with binaries outside PATH.' }
    )
    'Get-KaelioProxy'           = @(
        @{ Code = 'Get-KaelioProxy'; Remarks = 'Lists the proxies open in this session, with their state and forwards.' }
        @{ Code = 'Get-KaelioProxy -Name ''deploy@*'' | Format-List *'; Remarks = 'Shows every property of the matching proxies: host key fingerprint, cipher, server version, last error.' }
    )
    'Remove-KaelioProxy'        = @(
        @{ Code = '$proxy | Remove-KaelioProxy -WhatIf'; Remarks = 'Shows what would close: the proxy and the connections that go through it.' }
        @{ Code = 'Get-KaelioProxy | Remove-KaelioProxy'; Remarks = 'Closes every proxy of the session, and their connections.' }
    )
    'Test-KaelioProxy'          = @(
        @{ Code = '$proxy | Test-KaelioProxy'
           Remarks = 'Success, exit IP, location and latency, asked of the default echo service (https://ipinfo.io/json) through the proxy.' }
        @{ Code = 'Get-KaelioProxy | Test-KaelioProxy -Target db.internal:5432 -EchoUri https://echo.example.internal/ -GeoIPDatabase ~/GeoLite2-City.mmdb'
           Remarks = 'Tests every proxy: your own echo service, the location from a MaxMind database, and whether db.internal:5432 opens through each proxy. A failing proxy gives Success = False with the reason, and the next one is tested.' }
        @{ Code = 'if (-not ($proxy | Test-KaelioProxy -Quiet)) { throw ''The bastion does not carry traffic.'' }'
           Remarks = 'In a runbook: only $true or $false.' }
    )
    'Connect-KaelioDatabase'    = @(
        @{ Code = '$db = $proxy | Connect-KaelioDatabase -Type PostgreSql -Server db.internal -Database app -Credential $cred'
           Remarks = 'PostgreSQL behind the bastion; db.internal is resolved by the bastion.' }
        @{ Code = '$db = Connect-KaelioDatabase -Proxy $proxy -Type MySql -Server mysql.internal -Database shop -Credential $cred -CaCertificateFile ./internal-ca.pem'
           Remarks = 'MySQL or MariaDB with TLS verified (VerifyFull) against mysql.internal, the real name, through the tunnel.' }
    )
    'Invoke-KaelioQuery'        = @(
        @{ Code = '$db | Invoke-KaelioQuery ''select id, total from orders where placed_at > @since'' -Parameters @{ since = (Get-Date).AddDays(-1) }'
           Remarks = 'Rows stream as objects as they arrive; values are bound, never pasted into the SQL text.' }
        @{ Code = 'Invoke-KaelioQuery $db ''select * from events order by id'' | Select-Object -First 10'
           Remarks = 'Stops after ten rows and cancels the rest of the query on the server.' }
    )
    'Get-KaelioConnection'      = @(
        @{ Code = 'Get-KaelioConnection | Where-Object State -ne Ready'; Remarks = 'Connections whose proxy or socket went down.' }
    )
    'Disconnect-KaelioDatabase' = @(
        @{ Code = '$db | Disconnect-KaelioDatabase'; Remarks = 'Closes the connection; closing twice does nothing.' }
        @{ Code = 'Disconnect-KaelioDatabase -Name ''app@*'' -WhatIf'; Remarks = 'Shows which connections would close.' }
    )
}
