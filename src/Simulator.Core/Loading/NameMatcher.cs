namespace Simulator.Core.Loading;

/// <summary>Suggests the closest valid names for a misspelt one (edit distance, then substring).</summary>
public static class NameMatcher
{
    /// <summary>Up to <paramref name="max"/> candidates close to <paramref name="wrong"/>, best first.</summary>
    public static IReadOnlyList<string> Closest(string wrong, IEnumerable<string> candidates, int max = 3)
    {
        string w = wrong.ToLowerInvariant();
        return candidates
            .Select(c => (Name: c, Distance: Distance(w, c.ToLowerInvariant()), Contains: c.Contains(w, StringComparison.OrdinalIgnoreCase) || w.Contains(c.ToLowerInvariant())))
            .Where(x => x.Contains || x.Distance <= Math.Max(2, w.Length / 2))
            .OrderBy(x => x.Contains ? 0 : 1).ThenBy(x => x.Distance).ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(max)
            .Select(x => x.Name)
            .ToArray();
    }

    /// <summary>"did you mean 'a', 'b'?" or an empty string.</summary>
    public static string Suggest(string wrong, IEnumerable<string> candidates)
    {
        var close = Closest(wrong, candidates);
        return close.Count == 0 ? "" : " Did you mean " + string.Join(", ", close.Select(c => $"'{c}'")) + "?";
    }

    /// <summary>Levenshtein distance with unit costs.</summary>
    public static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
