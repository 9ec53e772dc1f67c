using System.Text.Json;
using Simulator.Core.Loading;

namespace Simulator.Deploy.Sweep;

/// <summary>
/// Joins the output files of a sweep's shards into the file one run would have written: every line is kept byte
/// for byte and put in point order. The lines must come from one sweep (the same hash and point count), each point
/// exactly once, and every point must be there.
/// </summary>
public static class SweepMerge
{
    /// <summary>One output line's identity.</summary>
    public sealed record LineKey(string Sweep, long Index, long Of);

    /// <summary>Reads a line's sweep hash, point index and point count.</summary>
    public static LineKey Key(string file, int line, string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var r = doc.RootElement;
            if (r.ValueKind == JsonValueKind.Object && r.TryGetProperty("sweep", out var s) && s.ValueKind == JsonValueKind.String
                && r.TryGetProperty("index", out var i) && i.TryGetInt64(out long index) && r.TryGetProperty("of", out var o) && o.TryGetInt64(out long of))
                return new LineKey(s.GetString()!, index, of);
        }
        catch (JsonException e) { throw new SpecException([new SpecError(file, line, "", "not a JSON line: " + e.Message)]); }
        throw new SpecException([new SpecError(file, line, "", "not a sweep output line (expected the fields sweep, index and of)")]);
    }

    /// <summary>The merged lines in point order, or every problem found (file, line and what is wrong).</summary>
    public static IReadOnlyList<string> Merge(IReadOnlyList<(string File, string Text)> inputs)
    {
        var errors = new List<SpecError>();
        var lines = new SortedDictionary<long, (string Text, string File, int Line)>();
        LineKey? first = null;
        string? firstFile = null;
        foreach (var (file, text) in inputs)
        {
            int n = 0;
            foreach (var raw in text.Split('\n'))
            {
                n++;
                if (raw.Length == 0) continue;
                string line = raw.TrimEnd('\r');
                LineKey k;
                try { k = Key(file, n, line); }
                catch (SpecException e) { errors.AddRange(e.Errors); continue; }
                first ??= k;
                firstFile ??= file;
                if (k.Sweep != first.Sweep || k.Of != first.Of)
                {
                    errors.Add(new SpecError(file, n, "sweep", $"from another sweep ({k.Sweep[..Math.Min(12, k.Sweep.Length)]}, {k.Of} points) than {firstFile} ({first.Sweep[..Math.Min(12, first.Sweep.Length)]}, {first.Of} points)"));
                    continue;
                }
                if (k.Index < 0 || k.Index >= k.Of) { errors.Add(new SpecError(file, n, "index", $"{k.Index} is outside 0..{k.Of - 1}")); continue; }
                if (lines.TryGetValue(k.Index, out var seen)) { errors.Add(new SpecError(file, n, "index", $"point {k.Index} also appears at {seen.File}:{seen.Line}")); continue; }
                lines[k.Index] = (line, file, n);
            }
        }
        if (first is null && errors.Count == 0) errors.Add(new SpecError(string.Join(", ", inputs.Select(i => i.File)), 0, "", "no sweep lines to merge"));
        if (first is not null && lines.Count < first.Of && errors.Count == 0)
        {
            var missing = new List<long>();
            for (long i = 0; i < first.Of && missing.Count < 10; i++)
                if (!lines.ContainsKey(i)) missing.Add(i);
            errors.Add(new SpecError(firstFile!, 0, "", $"{first.Of - lines.Count:N0} of {first.Of:N0} points are missing (first: {string.Join(", ", missing)}); is a shard left out?"));
        }
        if (errors.Count > 0) throw new SpecException(errors);
        return lines.Values.Select(v => v.Text).ToList();
    }
}
