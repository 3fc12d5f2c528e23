namespace Kaelio.Engine.Databases;

public enum DatabaseType
{
    PostgreSql,
    MySql,
    SqlServer,
    Snowflake,
    Metabase,
}

/// <summary>
/// TLS to the database, one scale for every kind (libpq's names). Through a tunnel, verification
/// checks the certificate against the database's real host name, not the loopback forward.
/// </summary>
public enum TlsMode
{
    /// <summary>No TLS.</summary>
    Disable,

    /// <summary>TLS when the server offers it, without verification (the drivers' default).</summary>
    Prefer,

    /// <summary>TLS required, certificate not verified.</summary>
    Require,

    /// <summary>TLS required, certificate chain verified.</summary>
    VerifyCA,

    /// <summary>TLS required, chain verified and the certificate names the server.</summary>
    VerifyFull,
}
