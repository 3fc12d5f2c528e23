using System.Management.Automation;
using Kaelio.Engine;

namespace Kaelio.Commands.Hosting;

/// <summary>
/// -Name filtering as Get-Process does it: wildcards select quietly, a plain name that matches
/// nothing is an error.
/// </summary>
internal static class NameFilter
{
    public static IEnumerable<T> Select<T>(IEnumerable<T> items, Func<T, string> nameOf, string[]? names, string what, string notFoundId, Action<KaelioException> writeError)
    {
        var all = items.ToList();
        if (names is null || names.Length == 0)
        {
            return all;
        }

        var selected = new List<T>();
        foreach (var name in names)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = all.Where(i => pattern.IsMatch(nameOf(i))).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                writeError(new KaelioException(notFoundId, KaelioErrorCategory.ObjectNotFound, $"No {what} named '{name}' is open in this session.", target: name));
            }

            selected.AddRange(matches.Where(m => !selected.Contains(m)));
        }

        return selected;
    }
}
