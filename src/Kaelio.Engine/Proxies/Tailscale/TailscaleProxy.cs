using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Kaelio.Engine.Probes;

namespace Kaelio.Engine.Proxies.Tailscale;

/// <summary>
/// A proxy through a Tailscale tailnet. No .NET Tailscale client exists, so each proxy runs its own
/// official tailscaled in userspace-networking mode (never the machine's): in-memory state, which
/// makes the node ephemeral, a private LocalAPI socket and a SOCKS5 listener on a loopback port.
/// Connections go through that SOCKS5 proxy, so the tailnet resolves the target names.
/// </summary>
public sealed partial class TailscaleProxy : KaelioProxy
{
    private readonly Daemon _daemon;
    private readonly IPEndPoint _socks;
    private readonly IOperationLog _log;
    private readonly ConcurrentDictionary<ProxyForward, LoopbackForwarder> _forwarders = new();
    private readonly ProxyLocation? _exitLocation;

    private TailscaleProxy(string name, TailscaleProxyOptions options, Daemon daemon, TailscaleStatus status, IOperationLog log)
        : base(name)
    {
        _daemon = daemon;
        _socks = daemon.Socks;
        _log = log;
        ControlUrl = options.ControlUrl;
        NodeName = status.Self?.HostName ?? options.Hostname;
        DnsName = status.Self?.DNSName?.TrimEnd('.');
        TailscaleIPs = [.. (status.TailscaleIPs ?? status.Self?.TailscaleIPs ?? []).Select(ip => ip.Split('/')[0]).OrderBy(ip => ip.Contains(':'))];
        Tailnet = status.CurrentTailnet?.Name;
        BackendState = status.BackendState;
        if (status.ExitNodeStatus is { } exit)
        {
            ExitNode = exit.TailscaleIPs?.FirstOrDefault()?.Split('/')[0];
            var peer = status.Peer?.Values.FirstOrDefault(p => p.ID == exit.ID || (ExitNode is not null && (p.TailscaleIPs ?? []).Any(ip => ip.Split('/')[0] == ExitNode)));
            ExitNodeName = peer?.HostName;
            _exitLocation = peer?.Location is { } l ? new ProxyLocation(l.City, null, l.Country, l.CountryCode) : null;
        }

        daemon.Process.EnableRaisingEvents = true;
        daemon.Process.Exited += (_, _) =>
        {
            if (State == KaelioState.Ready)
            {
                LastError = $"tailscaled exited unexpectedly: {LastDaemonLine()}";
                SetState(KaelioState.Faulted);
            }
        };
        SetState(KaelioState.Ready);
    }

    public override ProxyType Type => ProxyType.Tailscale;

    /// <summary>This node's name in the tailnet.</summary>
    public string NodeName { get; }

    /// <summary>This node's MagicDNS name, e.g. kaelio-proxy.example.ts.net.</summary>
    public string? DnsName { get; }

    /// <summary>This node's Tailscale addresses, IPv4 first. An array, as PowerShell indexes arrays.</summary>
    public string[] TailscaleIPs { get; }

    public string? Tailnet { get; }

    /// <summary>The exit node in use (its Tailscale IP); null for direct routing.</summary>
    public string? ExitNode { get; }

    public string? ExitNodeName { get; }

    public Uri? ControlUrl { get; }

    /// <summary>tailscaled's backend state when the proxy was created (Running).</summary>
    public string BackendState { get; }

    public override ProxyLocation? ReportedExitLocation => _exitLocation;

    public override string Endpoint =>
        $"{NodeName}{(Tailnet is null ? string.Empty : $" on {Tailnet}")}{(ExitNode is null ? string.Empty : $" via {ExitNodeName ?? ExitNode}")}";

    /// <summary>Starts a private tailscaled, joins the tailnet with the auth key and waits until it runs.</summary>
    public static async Task<TailscaleProxy> ConnectAsync(string name, TailscaleProxyOptions options, IOperationLog? log, CancellationToken cancellationToken)
    {
        log ??= NullOperationLog.Instance;
        Validate(options);
        var (daemonPath, cliPath) = TailscaleBinaries.Find(options);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.JoinTimeout);

        var clock = Stopwatch.StartNew();
        log.Progress("New-KaelioTailscaleProxy", "Starting tailscaled (userspace networking)", 10);
        var daemon = await Daemon.StartAsync(daemonPath, log, deadline.Token, options.JoinTimeout).ConfigureAwait(false);
        try
        {
            log.Progress("New-KaelioTailscaleProxy", $"Joining the tailnet as {options.Hostname}", 40);
            // The CLI gets a shorter timeout than ours, so that its own explanation arrives first.
            var cliTimeout = TimeSpan.FromSeconds(Math.Max(1, (int)(options.JoinTimeout - clock.Elapsed).TotalSeconds - 2));
            await LoginAsync(cliPath, daemon, options, cliTimeout, log, deadline.Token).ConfigureAwait(false);

            log.Progress("New-KaelioTailscaleProxy", "Waiting for the node to run", 80);
            var status = await daemon.LocalApi.GetStatusAsync(deadline.Token).ConfigureAwait(false);
            if (status.BackendState != "Running")
            {
                throw new KaelioException(ErrorIds.TailscaleTimeout, KaelioErrorCategory.OperationTimeout,
                    $"tailscaled is {status.BackendState}, not Running, after login.", target: options.Hostname);
            }

            if (options.ExitNode is not null && status.ExitNodeStatus is not { Online: true })
            {
                throw new KaelioException(ErrorIds.TailscaleExitNodeUnavailable, KaelioErrorCategory.ResourceUnavailable,
                    $"The exit node {options.ExitNode} is unknown or offline in the tailnet{Health(status)}. It must be advertised and approved in the admin console, and online.",
                    target: options.ExitNode);
            }

            var proxy = new TailscaleProxy(name, options, daemon, status, log);
            log.Verbose($"Joined {proxy.Tailnet ?? "the tailnet"} as {proxy.NodeName} ({string.Join(", ", proxy.TailscaleIPs)}){(proxy.ExitNode is null ? ", direct routing" : $", exit node {proxy.ExitNodeName ?? proxy.ExitNode}")}; SOCKS5 on {daemon.Socks}.");
            return proxy;
        }
        catch (Exception e)
        {
            // A join that ran out of time says why when tailscaled knows: waiting for approval.
            var stuckIn = e is OperationCanceledException && !cancellationToken.IsCancellationRequested ? await daemon.TryGetStateAsync().ConfigureAwait(false) : null;
            await daemon.StopAsync(logout: true).ConfigureAwait(false);
            if (stuckIn == "NeedsMachineAuth")
            {
                throw LoginError("last state was NeedsMachineAuth", options);
            }

            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new KaelioException(ErrorIds.TailscaleTimeout, KaelioErrorCategory.OperationTimeout,
                    $"Joining the tailnet did not finish within {options.JoinTimeout.TotalSeconds:0} s (tailscaled was {stuckIn ?? "not answering"}). Check the control server and the network, or raise -Timeout.", e, options.Hostname);
            }

            throw;
        }
    }

    public override async Task<Socket> OpenStreamAsync(string host, int port, CancellationToken cancellationToken)
    {
        EnsureReady();
        return await Socks5Client.ConnectAsync(_socks, host, port, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<KaelioException?> ProbeAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        EnsureReady();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var socket = await Socks5Client.ConnectAsync(_socks, host, port, deadline.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is IOException or SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return Explain(e, host, port) ?? new KaelioException(ErrorIds.ProbeTimeout, KaelioErrorCategory.OperationTimeout,
                $"The tailnet did not open a connection to {host}:{port} within {timeout.TotalSeconds:0} s.", e, $"{host}:{port}");
        }
    }

    public override KaelioException? ExplainFailure(ProxyForward forward, DateTimeOffset since)
    {
        if (State != KaelioState.Ready)
        {
            return new KaelioException(ErrorIds.ProxyNotReady, KaelioErrorCategory.ResourceUnavailable,
                $"Proxy '{Name}' is {State}{(LastError is null ? string.Empty : $": {LastError}")}. Create a new one with New-KaelioTailscaleProxy.", target: this);
        }

        return _forwarders.TryGetValue(forward, out var forwarder) && forwarder.LastFailure is { } failure && failure.At >= since
            ? Explain(failure.Error, forward.RemoteHost, forward.RemotePort)
            : null;
    }

    protected override Task<ProxyForward> OpenForwardAsync(string host, int port, CancellationToken cancellationToken)
    {
        ProxyForward? forward = null;
        var forwarder = new LoopbackForwarder(
            token => Socks5Client.ConnectAsync(_socks, host, port, token),
            message =>
            {
                forward?.LastError = message;
                _log.Verbose($"Forward to {host}:{port}: {message}");
            });
        forward = new ProxyForward(host, port, forwarder.LocalEndPoint);
        _forwarders[forward] = forwarder;
        _log.Verbose($"Forwarding {forward} through the tailnet.");
        return Task.FromResult(forward);
    }

    protected override void CloseForward(ProxyForward forward)
    {
        if (_forwarders.TryRemove(forward, out var forwarder))
        {
            forwarder.Dispose();
        }
    }

    protected override void CloseTransport()
    {
        // Log out first: an ephemeral node then leaves the tailnet at once instead of timing out.
        _daemon.StopAsync(logout: true).GetAwaiter().GetResult();
    }

    private static KaelioException? Explain(Exception error, string host, int port)
    {
        var target = $"{host}:{port}";
        return error switch
        {
            Socks5Exception { Reply: Socks5Exception.HostUnreachable } when !IPAddress.TryParse(host, out _) =>
                new KaelioException(ErrorIds.RemoteHostNotFound, KaelioErrorCategory.ObjectNotFound,
                    $"The tailnet cannot resolve or reach '{host}' ({error.Message}). Check -Server: it is resolved by the tailnet (MagicDNS, split DNS), not here.", error, host),
            Socks5Exception { Reply: Socks5Exception.NotAllowed } =>
                new KaelioException(ErrorIds.RemoteConnectFailed, KaelioErrorCategory.SecurityError,
                    $"The tailnet does not allow a connection to {target} ({error.Message}). Check the tailnet's access rules.", error, target),
            Socks5Exception =>
                new KaelioException(ErrorIds.RemoteConnectFailed, KaelioErrorCategory.ConnectionError,
                    $"The tailnet could not connect to {target} ({error.Message}). Check -Server and -Port, and that a route to it is advertised.", error, target),
            _ => null,
        };
    }

    private static async Task LoginAsync(string cliPath, Daemon daemon, TailscaleProxyOptions options, TimeSpan cliTimeout, IOperationLog log, CancellationToken cancellationToken)
    {
        // The key goes to the CLI in a file (--auth-key=file:…), never in arguments or the
        // environment; the file is private to this proxy's folder and deleted as soon as login ends.
        var keyFile = Path.Combine(daemon.StateFolder, "auth-key");
        WritePrivateFile(keyFile, Secrets.Reveal(options.AuthKey));
        try
        {
            // `up` resolves an exit node's name against the peers it knows, and a fresh node knows
            // none before it logs in: names are set with `tailscale set` once the node runs.
            // --accept-routes: subnet routes, the usual way to a private database, are off by default on Linux.
            var exitByAddress = options.ExitNode is { } exit && IPAddress.TryParse(exit, out _) ? exit : string.Empty;
            var arguments = new List<string>
            {
                $"--socket={daemon.SocketPath}", "up", $"--auth-key=file:{keyFile}", $"--hostname={options.Hostname}",
                $"--exit-node={exitByAddress}", "--accept-routes", "--reset", "--json",
                $"--timeout={(int)cliTimeout.TotalSeconds}s",
            };
            if (options.ControlUrl is not null)
            {
                arguments.Add($"--login-server={options.ControlUrl.OriginalString.TrimEnd('/')}");
            }

            var (exitCode, output) = await RunAsync(cliPath, arguments, cancellationToken).ConfigureAwait(false);
            log.Verbose($"tailscale up exited with {exitCode}.");
            if (exitCode != 0)
            {
                throw LoginError(Redact(output), options);
            }
        }
        finally
        {
            File.Delete(keyFile);
        }

        if (options.ExitNode is { } name && !IPAddress.TryParse(name, out _))
        {
            var (exitCode, output) = await RunAsync(cliPath, [$"--socket={daemon.SocketPath}", "set", $"--exit-node={name}"], cancellationToken).ConfigureAwait(false);
            if (exitCode != 0)
            {
                throw LoginError(Redact(output), options);
            }
        }
    }

    private static KaelioException LoginError(string output, TailscaleProxyOptions options)
    {
        var said = LastLine(output);
        if (output.Contains("NeedsMachineAuth", StringComparison.Ordinal))
        {
            return new KaelioException(ErrorIds.TailscaleMachineNeedsApproval, KaelioErrorCategory.AuthenticationError,
                $"The tailnet holds node '{options.Hostname}' for approval ({said}). Approve it in the admin console, or use a pre-approved auth key.", target: options.Hostname);
        }

        // tailscale up reports unknown and expired keys alike as "backend error: invalid key: …".
        if (output.Contains("invalid key", StringComparison.OrdinalIgnoreCase))
        {
            return new KaelioException(ErrorIds.TailscaleLoginRefused, KaelioErrorCategory.AuthenticationError,
                $"The tailnet refused the auth key ({said}). Generate a new one (Settings → Keys, Reusable and Ephemeral) and pass it with -AuthKey.", target: options.Hostname);
        }

        if (output.Contains("--exit-node", StringComparison.Ordinal))
        {
            return new KaelioException(ErrorIds.TailscaleExitNodeUnavailable, KaelioErrorCategory.ObjectNotFound,
                $"The exit node '{options.ExitNode}' is not known in the tailnet ({said}). Give its Tailscale IP or its unique node name.", target: options.ExitNode);
        }

        if (output.Contains("timeout waiting", StringComparison.OrdinalIgnoreCase))
        {
            return new KaelioException(ErrorIds.TailscaleTimeout, KaelioErrorCategory.OperationTimeout,
                $"The node did not reach Running in time ({said}).", target: options.Hostname);
        }

        return new KaelioException(ErrorIds.TailscaleLoginFailed, KaelioErrorCategory.ConnectionError,
            $"Joining the tailnet failed: {said}{(options.ControlUrl is null ? string.Empty : $" (control server {options.ControlUrl})")}.", target: options.Hostname);
    }

    private static void Validate(TailscaleProxyOptions options)
    {
        var key = Secrets.Reveal(options.AuthKey);
        if (!key.StartsWith("tskey-", StringComparison.Ordinal) || key.Length < 12 || key.Any(char.IsWhiteSpace))
        {
            throw new KaelioException(ErrorIds.TailscaleAuthKeyInvalid, KaelioErrorCategory.InvalidArgument,
                "The auth key is not a Tailscale auth key (tskey-auth-…). Generate one in the admin console under Settings → Keys, with Reusable and Ephemeral enabled.");
        }

        if (!HostnamePattern().IsMatch(options.Hostname))
        {
            throw new KaelioException(ErrorIds.InvalidArgument, KaelioErrorCategory.InvalidArgument,
                $"'{options.Hostname}' is not a valid node name: letters, digits and hyphens, up to 63 characters.", target: options.Hostname);
        }

        if (options.ExitNode is { } exit && !IsTailscaleAddress(exit) && !NodeNamePattern().IsMatch(exit))
        {
            throw new KaelioException(ErrorIds.TailscaleExitNodeInvalid, KaelioErrorCategory.InvalidArgument,
                $"'{exit}' is not a Tailscale address (100.64.0.0/10 or fd7a:115c:a1e0::/48) nor a node name.", target: exit);
        }
    }

    /// <summary>Tailscale's address ranges: the CGNAT block for IPv4 and its ULA prefix for IPv6.</summary>
    internal static bool IsTailscaleAddress(string text) =>
        IPAddress.TryParse(text, out var ip) &&
        (IPNetwork.Parse("100.64.0.0/10").Contains(ip) || IPNetwork.Parse("fd7a:115c:a1e0::/48").Contains(ip));

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex HostnamePattern();

    [GeneratedRegex(@"^[A-Za-z]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]+)*\.?$")]
    private static partial Regex NodeNamePattern();

    [GeneratedRegex(@"tskey-[A-Za-z0-9_-]+")]
    private static partial Regex AuthKeyPattern();

    /// <summary>Removes anything that looks like an auth key from text the tools printed.</summary>
    internal static string Redact(string text) => AuthKeyPattern().Replace(text, "tskey-…");

    private static string Health(TailscaleStatus status) =>
        status.Health is { Count: > 0 } health ? $" ({string.Join("; ", health)})" : string.Empty;

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => !l.StartsWith('{')) ?? "no message";

    private string LastDaemonLine() => _daemon.Output.LastOrDefault() ?? "no output";

    private static void WritePrivateFile(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.UTF8.GetBytes(content));
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }

    /// <summary>One private tailscaled: its process, state folder, LocalAPI socket and SOCKS5 port.</summary>
    private sealed class Daemon(Process process, string stateFolder, LocalApiClient localApi, IPEndPoint socks, ConcurrentQueue<string> output)
    {
        public Process Process { get; } = process;

        public string StateFolder { get; } = stateFolder;

        public string SocketPath => Path.Combine(StateFolder, "tailscaled.sock");

        public LocalApiClient LocalApi { get; } = localApi;

        public IPEndPoint Socks { get; } = socks;

        public ConcurrentQueue<string> Output { get; } = output;

        public static async Task<Daemon> StartAsync(string path, IOperationLog log, CancellationToken cancellationToken, TimeSpan timeout)
        {
            var folder = Directory.CreateTempSubdirectory("kaelio-ts-").FullName;
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var socks = new IPEndPoint(IPAddress.Loopback, FreeLoopbackPort());
            var socket = Path.Combine(folder, "tailscaled.sock");
            var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[]
            {
                "--tun=userspace-networking", "--state=mem:", $"--statedir={folder}", $"--socket={socket}",
                $"--socks5-server={socks}", "--port=0",
            })
            {
                start.ArgumentList.Add(argument);
            }

            var output = new ConcurrentQueue<string>();
            var process = new Process { StartInfo = start };
            DataReceivedEventHandler keep = (sender, e) =>
            {
                if (e.Data is { } line)
                {
                    output.Enqueue(Redact(line));
                    while (output.Count > 50)
                    {
                        output.TryDequeue(out _);
                    }
                }
            };
            process.OutputDataReceived += keep;
            process.ErrorDataReceived += keep;
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            log.Verbose($"Started tailscaled (pid {process.Id}) with state in memory, LocalAPI {socket}, SOCKS5 {socks}.");

            var daemon = new Daemon(process, folder, new LocalApiClient(socket), socks, output);
            try
            {
                // Ready when the LocalAPI answers.
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (process.HasExited)
                    {
                        throw new KaelioException(ErrorIds.TailscaleDaemonFailed, KaelioErrorCategory.ResourceUnavailable,
                            $"tailscaled exited at start (code {process.ExitCode}): {output.LastOrDefault() ?? "no output"}", target: path);
                    }

                    if (File.Exists(socket))
                    {
                        try
                        {
                            await daemon.LocalApi.GetStatusAsync(cancellationToken).ConfigureAwait(false);
                            return daemon;
                        }
                        catch (HttpRequestException)
                        {
                            // Socket created, server not answering yet.
                        }
                    }

                    await Task.Delay(50, cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                await daemon.StopAsync(logout: false).ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>The backend state, or null when the daemon does not answer within a second.</summary>
        public async Task<string?> TryGetStateAsync()
        {
            try
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                return (await LocalApi.GetStatusAsync(quick.Token).ConfigureAwait(false)).BackendState;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or SocketException or System.Text.Json.JsonException)
            {
                return null;
            }
        }

        public async Task StopAsync(bool logout)
        {
            if (logout && !Process.HasExited)
            {
                try
                {
                    using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await LocalApi.LogoutAsync(quick.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or SocketException)
                {
                    // Best effort: an ephemeral node is removed by the control server later anyway.
                }
            }

            try
            {
                if (!Process.HasExited)
                {
                    Process.Kill(entireProcessTree: true);
                }

                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await Process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
            {
            }

            LocalApi.Dispose();
            Process.Dispose();
            try
            {
                Directory.Delete(StateFolder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        private static int FreeLoopbackPort()
        {
            // tailscaled does not report the port it would pick for ":0", so pick one for it.
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }
    }
}
