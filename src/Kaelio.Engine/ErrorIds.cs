namespace Kaelio.Engine;

/// <summary>
/// Every error id the module produces. They are part of the public contract: scripts match on them
/// (<c>$_.FullyQualifiedErrorId -like 'SshHostKeyMismatch,*'</c>), so never rename one.
/// </summary>
public static class ErrorIds
{
    // Input validation.
    public const string InvalidArgument = "InvalidArgument";
    public const string NameInUse = "NameInUse";

    // SSH bastion.
    public const string SshHostNotFound = "SshHostNotFound";
    public const string SshHostUnreachable = "SshHostUnreachable";
    public const string SshConnectionRefused = "SshConnectionRefused";
    public const string SshConnectTimeout = "SshConnectTimeout";
    public const string SshConnectionFailed = "SshConnectionFailed";
    public const string SshAuthenticationFailed = "SshAuthenticationFailed";
    public const string SshKeyFileNotFound = "SshKeyFileNotFound";
    public const string SshKeyMalformed = "SshKeyMalformed";
    public const string SshKeyPassphraseRequired = "SshKeyPassphraseRequired";
    public const string SshKeyPassphraseIncorrect = "SshKeyPassphraseIncorrect";
    public const string SshHostKeyUnknown = "SshHostKeyUnknown";
    public const string SshHostKeyMismatch = "SshHostKeyMismatch";
    public const string SshHostKeyRevoked = "SshHostKeyRevoked";
    public const string SshForwardingRefused = "SshForwardingRefused";

    // The far side of a proxy.
    public const string RemoteHostNotFound = "RemoteHostNotFound";
    public const string RemoteConnectFailed = "RemoteConnectFailed";
    public const string ProxyNotReady = "ProxyNotReady";
    public const string ProxyNotFound = "ProxyNotFound";

    // Test-KaelioProxy.
    public const string ProbeTimeout = "ProbeTimeout";
    public const string EchoServiceFailed = "EchoServiceFailed";
    public const string EchoAnswerInvalid = "EchoAnswerInvalid";
    public const string GeoIpDatabaseUnreadable = "GeoIpDatabaseUnreadable";

    // Tailscale.
    public const string TailscaleAuthKeyInvalid = "TailscaleAuthKeyInvalid";
    public const string TailscaleExitNodeInvalid = "TailscaleExitNodeInvalid";
    public const string TailscaleNotInstalled = "TailscaleNotInstalled";
    public const string TailscaleDaemonFailed = "TailscaleDaemonFailed";
    public const string TailscaleLoginRefused = "TailscaleLoginRefused";
    public const string TailscaleLoginFailed = "TailscaleLoginFailed";
    public const string TailscaleMachineNeedsApproval = "TailscaleMachineNeedsApproval";
    public const string TailscaleExitNodeUnavailable = "TailscaleExitNodeUnavailable";
    public const string TailscaleTimeout = "TailscaleTimeout";

    // Databases.
    public const string DatabaseTypeNotYetSupported = "DatabaseTypeNotYetSupported";
    public const string DatabaseAuthenticationFailed = "DatabaseAuthenticationFailed";
    public const string DatabaseNotFound = "DatabaseNotFound";
    public const string DatabaseConnectFailed = "DatabaseConnectFailed";
    public const string DatabaseConnectTimeout = "DatabaseConnectTimeout";
    public const string DatabaseTlsValidationFailed = "DatabaseTlsValidationFailed";
    public const string DatabaseTlsUnavailable = "DatabaseTlsUnavailable";
    public const string ConnectionClosed = "ConnectionClosed";
    public const string ConnectionBusy = "ConnectionBusy";
    public const string ConnectionNotFound = "ConnectionNotFound";
    public const string QueryFailed = "QueryFailed";
    public const string QueryTimeout = "QueryTimeout";
}
