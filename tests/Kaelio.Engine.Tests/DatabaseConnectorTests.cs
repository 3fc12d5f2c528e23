using Kaelio.Engine.Databases;
using Kaelio.Engine.Proxies.Ssh;
using Kaelio.Engine.Sessions;

namespace Kaelio.Engine.Tests;

/// <summary>Real PostgreSQL and MariaDB behind the real bastion of the test network.</summary>
public sealed class DatabaseConnectorTests
{
    private static readonly TestNetwork Net = TestNetwork.Current;

    private static ConnectionRequest Request(DatabaseType type, string key, TlsMode tls = TlsMode.VerifyFull, string? ca = "ca") => new()
    {
        Type = type,
        Server = Net.Get(key, "host"),
        Database = Net.Get(key, "database"),
        UserName = Net.Get(key, "user"),
        Password = Net.Secret(key, "passwordFile"),
        TlsMode = tls,
        CaCertificateFile = ca is null ? null : Net.Get("tls", "caFile"),
    };

    [Theory]
    [InlineData(DatabaseType.PostgreSql, "postgres")]
    [InlineData(DatabaseType.MySql, "mysql")]
    public async Task Queries_through_the_tunnel_with_tls_verified_against_the_real_name(DatabaseType type, string key)
    {
        using var proxy = await SshProxy.ConnectAsync("t", Net.ProxyOptions(), null, CancellationToken.None);
        using var connection = await DatabaseConnector.ConnectAsync("c", Request(type, key), proxy, null, CancellationToken.None);
        Assert.Equal(KaelioState.Ready, connection.State);

        await using (var reader = await connection.ExecuteAsync("select id, note from orders order by id", null, null, CancellationToken.None))
        {
            Assert.Equal(["id", "note"], reader.Columns);
            var notes = new List<object?>();
            while (await reader.ReadAsync(CancellationToken.None))
            {
                notes.Add(reader.GetValues()[1]);
            }

            Assert.Equal(3, notes.Count);
            Assert.Single(notes, n => n is null);
        }

        // Closing the proxy closes what rides on it.
        proxy.Dispose();
        Assert.Equal(KaelioState.Closed, connection.State);
    }

    [Fact]
    public async Task Tls_verification_fails_without_the_ca()
    {
        using var proxy = await SshProxy.ConnectAsync("t", Net.ProxyOptions(), null, CancellationToken.None);
        var e = await Assert.ThrowsAsync<KaelioException>(() => DatabaseConnector.ConnectAsync("c", Request(DatabaseType.PostgreSql, "postgres", ca: null), proxy, null, CancellationToken.None));
        Assert.Equal(ErrorIds.DatabaseTlsValidationFailed, e.ErrorId);
    }

    [Fact]
    public async Task Unsupported_kinds_say_so()
    {
        var request = new ConnectionRequest { Type = DatabaseType.Snowflake, Server = "x", UserName = "u" };
        var e = await Assert.ThrowsAsync<KaelioException>(() => DatabaseConnector.ConnectAsync("c", request, null, null, CancellationToken.None));
        Assert.Equal(ErrorIds.DatabaseTypeNotYetSupported, e.ErrorId);
        Assert.Equal(KaelioErrorCategory.NotImplemented, e.Category);
    }

    [Fact]
    public void Registry_names_are_unique_and_requested_names_are_checked()
    {
        using var registry = new SessionRegistry();
        Assert.Equal("a@b", registry.ProxyName(null, "a@b"));
        Assert.Equal("mine", registry.ProxyName("mine", "a@b"));
        Assert.Equal("db", registry.ConnectionName(null, "db"));
    }

    [Fact]
    public async Task Secrets_stay_out_of_tostring()
    {
        var request = Request(DatabaseType.PostgreSql, "postgres");
        var secret = File.ReadAllText(Net.Get("postgres", "passwordFile")).Trim();
        Assert.DoesNotContain(secret, request.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, Net.ProxyOptions().ToString(), StringComparison.Ordinal);
        await Task.CompletedTask;
    }
}
