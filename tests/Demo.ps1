<#
.SYNOPSIS
    The main job, on the local test network: a proxy through a real OpenSSH bastion, and a query on
    a PostgreSQL and a MariaDB server that only the bastion can reach.
#>
param([Parameter(Mandatory)][string] $ModulePath)

$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Import-Module $ModulePath
# Test-KaelioProxy's default echo service is public; on the test network, use its own.
$env:KAELIO_ECHO_URI = (Get-Content $env:KAELIO_TESTNET -Raw | ConvertFrom-Json).echo.url
$t = Get-Content $env:KAELIO_TESTNET -Raw | ConvertFrom-Json
function Show([string] $Command) { Write-Host "`nPS> $Command" -ForegroundColor Cyan }

Show "New-KaelioSshProxy -ComputerName $($t.bastion.address) -UserName $($t.ssh.user) -KeyFile <ed25519 key> -KnownHostsPath <test known_hosts>"
$proxy = New-KaelioSshProxy -ComputerName $t.bastion.address -UserName $t.ssh.user -KeyFile $t.ssh.keys.ed25519 -KnownHostsPath $t.bastion.knownHostsFile
$proxy | Format-Table | Out-Host
$proxy | Format-List Name, State, Endpoint, HostKeyFingerprint, ServerVersion, Cipher | Out-Host

Show "`$proxy | Test-KaelioProxy -EchoUri $($t.echo.url)json-geo -Target $($t.postgres.host):$($t.postgres.port)   # the test network's echo service, never the public default"
$proxy | Test-KaelioProxy -EchoUri "$($t.echo.url)json-geo" -Target "$($t.postgres.host):$($t.postgres.port)" | Format-Table | Out-String -Width 160 | Write-Host

Show "`$proxy | Test-KaelioProxy -GeoIPDatabase <test network .mmdb>   # location from a MaxMind-format database"
$proxy | Test-KaelioProxy -GeoIPDatabase $t.geoip.database | Format-Table | Out-String -Width 160 | Write-Host

$password = ConvertTo-SecureString (Get-Content $t.postgres.passwordFile -Raw).Trim() -AsPlainText -Force
$cred = [pscredential]::new($t.postgres.user, $password)

Show "`$db = `$proxy | Connect-KaelioDatabase -Type PostgreSql -Server $($t.postgres.host) -Database app -Credential `$cred -CaCertificateFile <test CA>"
$db = $proxy | Connect-KaelioDatabase -Type PostgreSql -Server $t.postgres.host -Database app -Credential $cred -CaCertificateFile $t.tls.caFile
$db | Format-Table | Out-Host

Show "`$db | Invoke-KaelioQuery 'select id, item, amount, placed_at, note from orders order by id'"
$db | Invoke-KaelioQuery 'select id, item, amount, placed_at, note from orders order by id' | Format-Table | Out-Host

Show "`$db | Invoke-KaelioQuery 'select inet_client_addr() as seen_from, version() as server'"
$db | Invoke-KaelioQuery 'select inet_client_addr()::text as seen_from, split_part(version(), '' on '', 1) as server' | Format-Table | Out-Host

Show "`$proxy | Connect-KaelioDatabase -Type MySql -Server $($t.mysql.host) -Database app -Credential `$cred | Invoke-KaelioQuery 'select count(*) as orders, @@version as server'"
$proxy | Connect-KaelioDatabase -Type MySql -Server $t.mysql.host -Database app -Credential $cred -CaCertificateFile $t.tls.caFile |
    Invoke-KaelioQuery 'select count(*) as orders, @@version as server from orders' | Format-Table | Out-Host

Show 'Get-KaelioConnection'
Get-KaelioConnection | Format-Table | Out-Host

Show 'Connect-KaelioDatabase -Type PostgreSql -Server <private address> ...   # without the proxy'
try { $null = Connect-KaelioDatabase -Type PostgreSql -Server $t.postgres.address -Database app -Credential $cred -ConnectTimeout 3 }
catch { Write-Host "  $($_.FullyQualifiedErrorId): $($_.Exception.Message)" -ForegroundColor Yellow }

Write-Host "`n--- The same through a Tailscale tailnet. Tailscale here is a STAND-IN (tests/tailscale-standin): no real tailnet can run on this machine. ---" -ForegroundColor Magenta
$ts = $t.tailscale
$env:KAELIO_TAILNET_STANDIN_CONFIG = $ts.config
$authKey = ConvertTo-SecureString (Get-Content $ts.authKeyFiles.valid -Raw).Trim() -AsPlainText -Force
Show "`$tailnet = New-KaelioTailscaleProxy -AuthKey `$authKey -ExitNode $($ts.exitNodeName) -TailscaledPath <stand-in> -TailscalePath <stand-in>"
$tailnet = New-KaelioTailscaleProxy -AuthKey $authKey -ExitNode $ts.exitNodeName -TailscaledPath $ts.tailscaled -TailscalePath $ts.tailscale
$tailnet | Format-List Name, State, Endpoint, TailscaleIPs, ExitNode, ExitNodeName | Out-Host

Show "`$tailnet | Test-KaelioProxy -EchoUri $($ts.internetEchoUrl)   # leaves through the exit node; location as the tailnet reports it"
$tailnet | Test-KaelioProxy -EchoUri $ts.internetEchoUrl | Format-Table | Out-String -Width 160 | Write-Host

Show "`$tailnet | Connect-KaelioDatabase -Type PostgreSql -Server $($t.postgres.host) -Database app -Credential `$cred | Invoke-KaelioQuery 'select count(*) as orders, inet_client_addr()::text as seen_from'"
$tailnet | Connect-KaelioDatabase -Type PostgreSql -Server $t.postgres.host -Database app -Credential $cred -CaCertificateFile $t.tls.caFile |
    Invoke-KaelioQuery 'select count(*) as orders, inet_client_addr()::text as seen_from from orders' | Format-Table | Out-Host

Show 'Get-KaelioProxy | Remove-KaelioProxy -Verbose'
Get-KaelioProxy | Remove-KaelioProxy -Verbose
Write-Host "`nSSH proxy: $($proxy.State); Tailscale proxy: $($tailnet.State) (logged out); connection: $($db.State)"
