using System.Net;
using Kaelio.Engine.Probes;

namespace Kaelio.Engine.Tests;

/// <summary>
/// The database is written by tests/network/make-geoip-db.py from the public MaxMind DB spec and
/// read here with MaxMind's own reader.
/// </summary>
public sealed class GeoIpDatabaseTests
{
    private static readonly TestNetwork Net = TestNetwork.Current;

    [Fact]
    public void Finds_the_test_networks_locations_and_keeps_empty_parts_empty()
    {
        using var db = GeoIpDatabase.Open(Net.Get("geoip", "database"));
        Assert.Equal(new ProxyLocation("Bastionville", "Namespace County", "Testland", "TL"), db.Lookup(IPAddress.Parse(Net.BastionPrivateAddress)));
        Assert.Equal(new ProxyLocation(null, null, null, "TL"), db.Lookup(IPAddress.Parse(Net.Get("hostAddress"))));
        Assert.Null(db.Lookup(IPAddress.Parse("192.0.2.1")));
    }

    [Fact]
    public void Refuses_files_that_are_not_maxmind_databases()
    {
        var e = Assert.Throws<KaelioException>(() => GeoIpDatabase.Open(Net.Get("tls", "caFile")));
        Assert.Equal(ErrorIds.GeoIpDatabaseUnreadable, e.ErrorId);
        Assert.Equal(KaelioErrorCategory.InvalidData, e.Category);

        var missing = Assert.Throws<KaelioException>(() => GeoIpDatabase.Open("/nonexistent/city.mmdb"));
        Assert.Equal(ErrorIds.GeoIpDatabaseUnreadable, missing.ErrorId);
    }
}
