using Simulator.Core.Loading;
using Simulator.Deploy.Options;

namespace Simulator.Deploy.Sweep;

/// <summary>One dimension of a sweep grid: an option and the values it takes, in file order.</summary>
public sealed record GridAxis(string Key, IReadOnlyList<OptionValue> Values, string File, int Line)
{
    /// <summary>"sweep.yaml:6: grid.rate": where the axis was written.</summary>
    public string Where => $"{File}:{Line}: grid.{Key}";
}

/// <summary>
/// A sweep (docs/FORMATS.md, "Sweep file"): the verb, the options every point shares (<c>base</c>) and the grid of
/// options that vary, each with its values. Points are the grid's combinations in order: the first axis varies
/// slowest, the last fastest, as nested loops written in file order would run them.
/// </summary>
/// <param name="Hash">SHA-256 of the file's text; every output line names it, so shards of different sweeps are not merged.</param>
public sealed record SweepFile(string File, string Hash, string Name, string Verb, IReadOnlyList<OptionEntry> Base, IReadOnlyList<GridAxis> Grid)
{
    /// <summary>Most points one sweep may have.</summary>
    public const long MaxPoints = 10_000_000;

    /// <summary>Number of points (the product of the axes' lengths; 1 without a grid); past <see cref="MaxPoints"/> it stops growing (the file is refused).</summary>
    public long Points => Grid.Aggregate(1L, (n, a) => n > MaxPoints ? n : n * a.Values.Count);

    /// <summary>The values of point <paramref name="index"/> (0-based), one per axis in axis order.</summary>
    public IReadOnlyList<(string Key, OptionValue Value)> Point(long index)
    {
        var values = new (string, OptionValue)[Grid.Count];
        for (int a = Grid.Count - 1; a >= 0; a--)
        {
            int n = Grid[a].Values.Count;
            values[a] = (Grid[a].Key, Grid[a].Values[(int)(index % n)]);
            index /= n;
        }
        return values;
    }

    /// <summary>The points of shard <paramref name="shard"/> of <paramref name="shards"/>: every point whose index leaves that remainder (so every shard gets a share of each region of the grid).</summary>
    public IEnumerable<long> ShardPoints(int shard, int shards)
    {
        for (long i = shard; i < Points; i += shards) yield return i;
    }

    /// <summary>Parses a sweep file's text; every problem names the file, line and field.</summary>
    public static SweepFile Parse(string file, string text)
    {
        var errors = new List<SpecError>();
        var r = YamlFieldReader.Open(file, text, errors);
        if (r is null) throw new SpecException(errors);
        string name = r.Str("name") ?? Path.GetFileNameWithoutExtension(file);
        r.Ignore("description");
        string verb = r.Str("verb", required: true) ?? "";
        var baseEntries = r.Map("base") is { } b ? OptionYaml.Entries(b, "base", [], errors) : [];
        var axes = new List<GridAxis>();
        if (r.Map("grid") is { } g)
        {
            foreach (var (key, line) in g.Keys())
            {
                g.Ignore(key);
                var value = OptionYaml.Value(g, key, "grid." + key, errors);
                if (value is null) continue;
                if (value.Kind is OptionValueKind.Map or OptionValueKind.Reference)
                {
                    errors.Add(new SpecError(file, line, "grid." + key, "expected a list of values ([a, b, c]); a grid varies one option over values"));
                    continue;
                }
                var values = value.Kind == OptionValueKind.Scalar ? [value] : value.Items.Select(OptionValue.Scalar).ToList();
                var dup = values.GroupBy(v => v.Text).FirstOrDefault(x => x.Count() > 1);
                if (dup is not null) errors.Add(new SpecError(file, line, "grid." + key, $"lists '{dup.Key}' twice"));
                if (baseEntries.FirstOrDefault(e => e.Key == key) is { } inBase)
                    errors.Add(new SpecError(file, line, "grid." + key, $"is also in base ({inBase.Where}); give it in one place"));
                axes.Add(new GridAxis(key, values, file, line));
            }
            g.Finish();
        }
        r.Finish();
        var sweep = new SweepFile(file, OptionYaml.Hash(text), name, verb, baseEntries, axes);
        if (errors.Count == 0 && sweep.Points > MaxPoints)
            errors.Add(new SpecError(file, r.LineOfKey("grid"), "grid", $"{sweep.Points:N0} points; a sweep may have at most {MaxPoints:N0}"));
        if (errors.Count > 0) throw new SpecException(errors);
        return sweep;
    }
}
