using System.Runtime.InteropServices;
using System.Security;

namespace Kaelio.Engine;

/// <summary>
/// Secrets travel as <see cref="SecureString"/> up to the library call that needs plain text
/// (SSH.NET and the drivers take strings); this is the single place where they are revealed.
/// </summary>
internal static class Secrets
{
    public static string Reveal(SecureString secret)
    {
        var pointer = IntPtr.Zero;
        try
        {
            pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
            return Marshal.PtrToStringUni(pointer) ?? string.Empty;
        }
        finally
        {
            if (pointer != IntPtr.Zero)
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }
    }

    public static SecureString Protect(string plain)
    {
        var secure = new SecureString();
        foreach (var c in plain)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }
}
