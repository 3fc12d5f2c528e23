using System.Security.Cryptography;
using System.Text;

namespace Kaelio.Engine.Proxies.Ssh;

/// <summary>
/// Reads and appends OpenSSH known_hosts files: plain and <c>[host]:port</c> names, comma-separated
/// patterns with <c>*</c>, <c>?</c> and <c>!</c> negation, hashed names (<c>|1|salt|hash</c>) and the
/// <c>@revoked</c> marker (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT").
/// Written here because neither SSH.NET nor another maintained .NET package parses this format.
/// </summary>
public sealed class KnownHostsFile
{
    private readonly List<Entry> _entries;

    private KnownHostsFile(string path, List<Entry> entries)
    {
        Path = path;
        _entries = entries;
    }

    public string Path { get; }

    public static KnownHostsFile Load(string path)
    {
        var entries = new List<Entry>();
        if (!File.Exists(path))
        {
            return new KnownHostsFile(path, entries);
        }

        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            if (TryParse(raw, lineNumber, out var entry))
            {
                entries.Add(entry);
            }
        }

        return new KnownHostsFile(path, entries);
    }

    /// <summary>The name OpenSSH looks up: <c>host</c> on port 22, <c>[host]:port</c> elsewhere.</summary>
    public static string LookupName(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    /// <summary>Keys recorded for the host, with whether each is marked revoked.</summary>
    public IReadOnlyList<(HostKey Key, bool Revoked, int Line)> Find(string host, int port)
    {
        var name = LookupName(host, port).ToLowerInvariant();
        return [.. _entries.Where(e => e.Matches(name)).Select(e => (e.Key, e.Revoked, e.Line))];
    }

    /// <summary>Appends the key for the host, creating the file (and its folder, private) when missing.</summary>
    public void Add(string host, int port, HostKey key)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var name = LookupName(host, port);
        var prefix = File.Exists(Path) && !EndsWithNewline(Path) ? Environment.NewLine : string.Empty;
        File.AppendAllText(Path, $"{prefix}{name} {key.ToKnownHostsText()}\n");
        _entries.Add(new Entry([new Pattern(name.ToLowerInvariant(), Negated: false)], null, key, Revoked: false, Line: -1));
    }

    private static bool EndsWithNewline(string path)
    {
        using var stream = File.OpenRead(path);
        if (stream.Length == 0)
        {
            return true;
        }

        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() == '\n';
    }

    private static bool TryParse(string raw, int lineNumber, out Entry entry)
    {
        entry = null!;
        var line = raw.Trim();
        if (line.Length == 0 || line[0] == '#')
        {
            return false;
        }

        var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var index = 0;
        var revoked = false;
        if (fields[0].StartsWith('@'))
        {
            // @cert-authority lines hold CA keys for host certificates, not host keys: skip them.
            if (!fields[0].Equals("@revoked", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            revoked = true;
            index = 1;
        }

        if (fields.Length < index + 3)
        {
            return false;
        }

        HostKey key;
        try
        {
            key = new HostKey(Convert.FromBase64String(fields[index + 2]));
        }
        catch (FormatException)
        {
            return false; // OpenSSH skips lines it cannot parse; so do we.
        }

        if (!key.KeyType.Equals(fields[index + 1], StringComparison.Ordinal))
        {
            return false;
        }

        var hosts = fields[index];
        if (hosts.StartsWith("|1|", StringComparison.Ordinal))
        {
            var parts = hosts.Split('|');
            if (parts.Length != 4)
            {
                return false;
            }

            try
            {
                var hashed = new HashedName(Convert.FromBase64String(parts[2]), Convert.FromBase64String(parts[3]));
                entry = new Entry([], hashed, key, revoked, lineNumber);
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        var patterns = hosts.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.StartsWith('!') ? new Pattern(p[1..].ToLowerInvariant(), Negated: true) : new Pattern(p.ToLowerInvariant(), Negated: false))
            .ToList();
        entry = new Entry(patterns, null, key, revoked, lineNumber);
        return true;
    }

    private sealed record Pattern(string Text, bool Negated);

    private sealed record HashedName(byte[] Salt, byte[] Hash)
    {
        public bool Matches(string name) =>
            CryptographicOperations.FixedTimeEquals(HMACSHA1.HashData(Salt, Encoding.UTF8.GetBytes(name)), Hash);
    }

    private sealed record Entry(List<Pattern> Patterns, HashedName? Hashed, HostKey Key, bool Revoked, int Line)
    {
        public bool Matches(string name)
        {
            if (Hashed is not null)
            {
                return Hashed.Matches(name);
            }

            // As OpenSSH's match_hostname: a matching negated pattern vetoes the whole entry.
            var matched = false;
            foreach (var pattern in Patterns)
            {
                if (WildcardMatch(pattern.Text, name))
                {
                    if (pattern.Negated)
                    {
                        return false;
                    }

                    matched = true;
                }
            }

            return matched;
        }
    }

    /// <summary>OpenSSH's match_pattern: <c>*</c> any run, <c>?</c> one character.</summary>
    internal static bool WildcardMatch(string pattern, string text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
