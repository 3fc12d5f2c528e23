using System.Management.Automation;
using System.Security;
using Kaelio.Commands.Hosting;
using Kaelio.Engine;
using Kaelio.Engine.Proxies.Ssh;

namespace Kaelio.Commands;

/// <summary>
/// <para type="synopsis">Opens an SSH connection to a bastion (jump host) that database connections can go through.</para>
/// <para type="description">Connects and authenticates to the bastion with a password or a private key, after checking its host key against known_hosts or pinned fingerprints. The returned proxy stays open until Remove-KaelioProxy, the end of the session, or Remove-Module KaelioProxy.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "KaelioSshProxy", DefaultParameterSetName = KeyFileSet)]
[OutputType(typeof(SshProxy))]
public sealed class NewKaelioSshProxyCommand : KaelioCmdlet
{
    private const string PasswordSet = "Password";
    private const string KeyFileSet = "KeyFile";
    private const string KeyStringSet = "KeyString";

    /// <summary>Host name or IP address of the bastion.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("HostName", "SshHost")]
    [ValidateNotNullOrEmpty]
    public string ComputerName { get; set; } = string.Empty;

    /// <summary>SSH port of the bastion.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 22;

    /// <summary>User to log in as. With -Credential, the credential's user name is used.</summary>
    [Parameter(Mandatory = true, ParameterSetName = KeyFileSet)]
    [Parameter(Mandatory = true, ParameterSetName = KeyStringSet)]
    [ValidateNotNullOrEmpty]
    public string UserName { get; set; } = string.Empty;

    /// <summary>User name and password for password authentication.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    /// <summary>Path of a private key file (PEM, PKCS#8 or OpenSSH format).</summary>
    [Parameter(Mandatory = true, ParameterSetName = KeyFileSet)]
    [ValidateNotNullOrEmpty]
    public string KeyFile { get; set; } = string.Empty;

    /// <summary>Private key text (PEM, PKCS#8 or OpenSSH format), e.g. from a secret vault.</summary>
    [Parameter(Mandatory = true, ParameterSetName = KeyStringSet)]
    [ValidateNotNullOrEmpty]
    public string KeyString { get; set; } = string.Empty;

    /// <summary>Passphrase of an encrypted private key.</summary>
    [Parameter(ParameterSetName = KeyFileSet)]
    [Parameter(ParameterSetName = KeyStringSet)]
    public SecureString? Passphrase { get; set; }

    /// <summary>Trusted host key fingerprints of the bastion, as ssh-keygen -lf prints them (SHA256:…).</summary>
    [Parameter]
    [ValidatePattern(@"^(SHA256:)?[A-Za-z0-9+/]{43}=?$")]
    public string[] HostKeyFingerprint { get; set; } = [];

    /// <summary>OpenSSH known_hosts file to check (and, with AcceptNew, update). Default: ~/.ssh/known_hosts.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KnownHostsPath { get; set; }

    /// <summary>What to do with an unknown host key: Strict (refuse, default), AcceptNew (record it), Insecure (trust it, with a warning). A changed key is always refused.</summary>
    [Parameter]
    public HostKeyPolicy HostKeyPolicy { get; set; } = HostKeyPolicy.Strict;

    /// <summary>Seconds to wait for the bastion to connect and authenticate.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int ConnectTimeout { get; set; } = 15;

    /// <summary>Seconds between SSH keep-alive messages; 0 turns them off.</summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int KeepAliveInterval { get; set; } = 30;

    /// <summary>Name of the proxy in this session. Default: user@host.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        var user = ParameterSetName == PasswordSet ? Credential.UserName : UserName;
        string? keyText = null;
        var keySource = "-KeyString";
        if (ParameterSetName == KeyFileSet)
        {
            var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(KeyFile);
            keySource = $"file '{path}'";
            if (!File.Exists(path))
            {
                WriteKaelioError(new KaelioException(ErrorIds.SshKeyFileNotFound, KaelioErrorCategory.ObjectNotFound,
                    $"The private key file '{path}' does not exist.", target: path));
                return;
            }

            keyText = File.ReadAllText(path);
        }
        else if (ParameterSetName == KeyStringSet)
        {
            keyText = KeyString;
        }

        var options = new SshProxyOptions
        {
            Host = ComputerName,
            Port = Port,
            UserName = user,
            Password = ParameterSetName == PasswordSet ? Credential.Password : null,
            PrivateKey = keyText,
            PrivateKeySource = keySource,
            Passphrase = Passphrase,
            HostKeyFingerprints = HostKeyFingerprint,
            KnownHostsPath = KnownHostsPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(KnownHostsPath),
            HostKeyPolicy = HostKeyPolicy,
            ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeout),
            KeepAliveInterval = TimeSpan.FromSeconds(KeepAliveInterval),
        };

        try
        {
            var name = Sessions.ProxyName(Name, Port == 22 ? $"{user}@{ComputerName}" : $"{user}@{ComputerName}:{Port}");
            var proxy = Run((log, token) => SshProxy.ConnectAsync(name, options, log, token));
            Sessions.Add(proxy);
            WriteObject(proxy);
        }
        catch (KaelioException e)
        {
            WriteKaelioError(e);
        }
    }
}
