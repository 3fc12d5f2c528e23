using System.Security;
using System.Text.Json;
using Kaelio.Engine.Proxies.Ssh;

namespace Kaelio.Engine.Tests;

/// <summary>
/// The test network written by tests/network/testnet.sh (real sshd, PostgreSQL, MariaDB in network
/// namespaces). Integration tests fail, never skip, when it is not up.
/// </summary>
public sealed class TestNetwork
{
    private static readonly Lazy<TestNetwork> Shared = new(() => new TestNetwork());
    private readonly JsonElement _root;

    private TestNetwork()
    {
        var path = Environment.GetEnvironmentVariable("KAELIO_TESTNET");
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException("The test network is not up (KAELIO_TESTNET). Run the tests with ./build.ps1 Test.");
        }

        _root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    }

    public static TestNetwork Current => Shared.Value;

    public string Get(params string[] path)
    {
        var element = _root;
        foreach (var part in path)
        {
            element = element.GetProperty(part);
        }

        return element.ValueKind == JsonValueKind.Number ? element.GetRawText() : element.GetString()!;
    }

    public string BastionAddress => Get("bastion", "address");

    public string BastionPrivateAddress => Get("bastion", "privateAddress");

    public string KnownHostsFile => Get("bastion", "knownHostsFile");

    public IReadOnlyList<string> HostKeyFingerprints =>
        [.. _root.GetProperty("bastion").GetProperty("hostKeyFingerprints").EnumerateArray().Select(e => e.GetString()!)];

    public string User => Get("ssh", "user");

    public string Key(string name) => Get("ssh", "keys", name);

    public SecureString Secret(params string[] path) => Secrets.Protect(File.ReadAllText(Get(path)).Trim());

    public SshProxyOptions ProxyOptions(int? port = null) => new()
    {
        Host = BastionAddress,
        Port = port ?? 22,
        UserName = User,
        PrivateKey = File.ReadAllText(Key("ed25519")),
        KnownHostsPath = KnownHostsFile,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };
}
