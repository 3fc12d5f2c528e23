using Kaelio.Engine.Proxies;

namespace Kaelio.Engine.Probes;

/// <summary>Where an exit IP is, as far as the echo service says; empty parts stay empty.</summary>
public sealed record ProxyLocation(string? City, string? Region, string? Country, string? CountryCode)
{
    public bool IsEmpty => City is null && Region is null && Country is null && CountryCode is null;

    public override string ToString() =>
        string.Join(", ", new[] { City, Region, Country ?? CountryCode }.Where(p => !string.IsNullOrEmpty(p)));
}

/// <summary>The answer of Test-KaelioProxy: a failure is an answer too, with its reason.</summary>
public sealed record ProxyTestResult
{
    public required string ProxyName { get; init; }

    public required ProxyType ProxyType { get; init; }

    public bool Success { get; init; }

    /// <summary>The address the echo service saw: where traffic leaves the proxy.</summary>
    public string? ExitIp { get; init; }

    public ProxyLocation? Location { get; init; }

    /// <summary>The Tailscale exit node the traffic leaves through (name, else IP); null otherwise.</summary>
    public string? ExitNode { get; init; }

    /// <summary>Round trip of the echo request through the proxy, in milliseconds.</summary>
    public double? LatencyMs { get; init; }

    /// <summary>host:port checked with -Target, if any.</summary>
    public string? Target { get; init; }

    public bool? TargetReachable { get; init; }

    public Uri? EchoUri { get; init; }

    public string? ErrorId { get; init; }

    public string? Error { get; init; }

    public override string ToString() => Success
        ? $"{ProxyName}: Success, exit IP {ExitIp}{(Location is { IsEmpty: false } ? $", {Location}" : string.Empty)}"
        : $"{ProxyName}: Failed, {ErrorId}: {Error}";
}
