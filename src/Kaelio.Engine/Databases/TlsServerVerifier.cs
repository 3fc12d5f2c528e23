using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Kaelio.Engine.Databases;

/// <summary>
/// Verifies a database's TLS certificate against its real host name. Drivers behind a loopback
/// forward would otherwise compare the certificate with 127.0.0.1, so every driver hands its
/// certificate check to this one class.
/// </summary>
public sealed class TlsServerVerifier
{
    private readonly string _serverName;
    private readonly TlsMode _mode;
    private readonly X509Certificate2Collection? _trustedRoots;

    public TlsServerVerifier(string serverName, TlsMode mode, bool trustServerCertificate, string? caCertificateFile)
    {
        _serverName = serverName;
        _mode = trustServerCertificate ? TlsMode.Require : mode;
        if (caCertificateFile is not null)
        {
            try
            {
                _trustedRoots = [];
                _trustedRoots.ImportFromPemFile(caCertificateFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new KaelioException(ErrorIds.InvalidArgument, KaelioErrorCategory.InvalidArgument,
                    $"Cannot read the CA certificate file '{caCertificateFile}': {e.Message}", e, caCertificateFile);
            }

            if (_trustedRoots.Count == 0)
            {
                throw new KaelioException(ErrorIds.InvalidArgument, KaelioErrorCategory.InvalidArgument,
                    $"The CA certificate file '{caCertificateFile}' holds no PEM certificate.", target: caCertificateFile);
            }
        }
    }

    /// <summary>Whether the connection needs the verifier's callback at all.</summary>
    public bool Verifies => _mode is TlsMode.VerifyCA or TlsMode.VerifyFull;

    /// <summary>Why the last certificate was refused, for the error message.</summary>
    public string? LastFailure { get; private set; }

    /// <summary>A <see cref="RemoteCertificateValidationCallback"/> that ignores the loopback name mismatch.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!Verifies)
        {
            return true;
        }

        if (certificate is null)
        {
            LastFailure = "the server sent no certificate";
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        using var ownChain = new X509Chain();
        ownChain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (_trustedRoots is not null)
        {
            ownChain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            ownChain.ChainPolicy.CustomTrustStore.AddRange(_trustedRoots);
        }

        if (chain is not null)
        {
            // Intermediates the server sent along.
            foreach (var element in chain.ChainElements)
            {
                ownChain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (!ownChain.Build(leaf))
        {
            var status = string.Join(", ", ownChain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            LastFailure = $"the certificate chain of '{leaf.Subject}' is not trusted ({status}){(_trustedRoots is null ? "; pass the CA with -CaCertificateFile" : string.Empty)}";
            return false;
        }

        if (_mode == TlsMode.VerifyFull && !leaf.MatchesHostname(_serverName))
        {
            LastFailure = $"the certificate of '{leaf.Subject}' does not name '{_serverName}'";
            return false;
        }

        return true;
    }
}
