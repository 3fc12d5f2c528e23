using System.Net;
using MaxMind.Db;

namespace Kaelio.Engine.Probes;

/// <summary>
/// Looks up where an address is in a MaxMind-format database (GeoLite2/GeoIP2 City or Country, or
/// any database with the same layout), read with MaxMind's own reader.
/// </summary>
public sealed class GeoIpDatabase : IDisposable
{
    public const string PathVariable = "KAELIO_GEOIP_DATABASE";

    private readonly Reader _reader;

    private GeoIpDatabase(string path, Reader reader)
    {
        Path = path;
        _reader = reader;
    }

    public string Path { get; }

    /// <summary>The database given, else the one named by KAELIO_GEOIP_DATABASE, else none.</summary>
    public static GeoIpDatabase? OpenConfigured(string? path)
    {
        path ??= Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        return path is null ? null : Open(path);
    }

    public static GeoIpDatabase Open(string path)
    {
        try
        {
            return new GeoIpDatabase(path, new Reader(path, FileAccessMode.Memory));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KaelioException(ErrorIds.GeoIpDatabaseUnreadable, KaelioErrorCategory.ObjectNotFound,
                $"Cannot read the GeoIP database '{path}': {e.Message}", e, path);
        }
        catch (InvalidDatabaseException e)
        {
            throw new KaelioException(ErrorIds.GeoIpDatabaseUnreadable, KaelioErrorCategory.InvalidData,
                $"'{path}' is not a MaxMind-format database: {e.Message}", e, path);
        }
    }

    /// <summary>The location of <paramref name="address"/>, or null when the database has none.</summary>
    public ProxyLocation? Lookup(IPAddress address)
    {
        Dictionary<string, object>? record;
        try
        {
            record = _reader.Find<Dictionary<string, object>>(address);
        }
        catch (InvalidDatabaseException)
        {
            return null;
        }

        if (record is null)
        {
            return null;
        }

        var location = new ProxyLocation(
            City: EnglishName(Child(record, "city")),
            Region: EnglishName((record.GetValueOrDefault("subdivisions") as IEnumerable<object>)?.FirstOrDefault() as Dictionary<string, object>),
            Country: EnglishName(Child(record, "country")),
            CountryCode: Child(record, "country")?.GetValueOrDefault("iso_code") as string);
        return location.IsEmpty ? null : location;
    }

    public void Dispose() => _reader.Dispose();

    private static Dictionary<string, object>? Child(Dictionary<string, object> record, string key) =>
        record.GetValueOrDefault(key) as Dictionary<string, object>;

    private static string? EnglishName(Dictionary<string, object>? node) =>
        (node?.GetValueOrDefault("names") as Dictionary<string, object>)?.GetValueOrDefault("en") as string;
}
