namespace Kaelio.Engine.Proxies.Tailscale;

/// <summary>Finds tailscaled and the tailscale CLI: the paths given, else on PATH.</summary>
internal static class TailscaleBinaries
{
    public static (string Daemon, string Cli) Find(TailscaleProxyOptions options) =>
        (Find(options.TailscaledPath, "tailscaled", "-TailscaledPath"), Find(options.TailscalePath, "tailscale", "-TailscalePath"));

    private static string Find(string? given, string name, string parameter)
    {
        if (given is not null)
        {
            return File.Exists(given) ? Path.GetFullPath(given) : throw NotFound($"'{given}' (given with {parameter}) does not exist.", parameter);
        }

        var exe = OperatingSystem.IsWindows() ? name + ".exe" : name;
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, exe);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw NotFound($"'{name}' is not on PATH.", parameter);
    }

    private static KaelioException NotFound(string what, string parameter) => new(
        ErrorIds.TailscaleNotInstalled, KaelioErrorCategory.ObjectNotFound,
        $"Tailscale is needed for a Tailscale proxy and {what} Install it (https://tailscale.com/download; on Debian/Ubuntu: apt install tailscale), or point {parameter} at the binary. The module runs its own tailscaled in userspace-networking mode, never the machine's.",
        target: parameter);
}
