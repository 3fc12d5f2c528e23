using Kaelio.Engine.Probes;

namespace Kaelio.Engine.Tests;

public sealed class ProxyProbeTests
{
    [Theory]
    [InlineData("203.0.113.7\n", "203.0.113.7", null)]
    [InlineData("{\"ip\":\"203.0.113.7\",\"city\":\"Paris\",\"region\":\"Ile-de-France\",\"country\":\"FR\"}", "203.0.113.7", "Paris, Ile-de-France, FR")]
    [InlineData("{\"query\":\"198.51.100.2\",\"city\":\"Lyon\",\"regionName\":\"Rhone\",\"country\":\"France\",\"countryCode\":\"FR\"}", "198.51.100.2", "Lyon, Rhone, France")]
    [InlineData("{\"origin\":\"2001:db8::1, 10.0.0.1\"}", "2001:db8::1", null)]
    public void Understands_plain_and_json_echo_answers(string body, string ip, string? location)
    {
        Assert.True(ProxyProbe.TryParseEcho(body, out var exitIp, out var where));
        Assert.Equal(ip, exitIp);
        Assert.Equal(location, where?.ToString());
    }

    [Theory]
    [InlineData("<html>not found</html>")]
    [InlineData("{\"ip\":\"not-an-ip\"}")]
    [InlineData("[1,2]")]
    public void Rejects_answers_without_an_address(string body) =>
        Assert.False(ProxyProbe.TryParseEcho(body, out _, out _));

    [Fact]
    public void Keeps_empty_location_parts_empty()
    {
        Assert.True(ProxyProbe.TryParseEcho("{\"ip\":\"203.0.113.7\",\"country_code\":\"DE\"}", out _, out var where));
        Assert.Null(where!.City);
        Assert.Null(where.Country);
        Assert.Equal("DE", where.CountryCode);
    }
}
