using Simulator.Core.Loading;
using Simulator.Roofline;
using Simulator.Tests;

namespace Simulator.Validation.Tests;

/// <summary>
/// The import of /work/shared/reference/published-edge (654 published figures on CPUs, Apple silicon, NPUs, Gaudi, TPU,
/// FPGAs and consumer GPUs): every source row is either imported into edge-published.csv or listed in edge-skipped.tsv
/// with a reason, and every imported row is predicted or skipped with a reason, never silently dropped.
/// </summary>
public class EdgeImportTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
    private static readonly string Folder = Path.Combine(RepoPaths.Root, "validation", "measured", "published");
    private const int SourceRows = 654;

    private static (List<MeasuredRow> Imported, List<string[]> Skipped) Read()
    {
        var result = MeasuredCsv.Read(Path.Combine(Folder, "edge-published.csv"));
        Assert.Empty(result.Problems);
        var skipped = File.ReadAllLines(Path.Combine(Folder, "edge-skipped.tsv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();
        return (result.Rows.ToList(), skipped);
    }

    [Fact]
    public void Every_source_row_is_imported_or_skipped_with_a_reason()
    {
        var (imported, skipped) = Read();
        Assert.Equal(SourceRows, imported.Count + skipped.Count);
        foreach (var s in skipped)
        {
            Assert.Equal(8, s.Length);
            Assert.False(string.IsNullOrWhiteSpace(s[7]), $"source line {s[0]} skipped without a reason");
        }
        // Each imported row names the source line it came from; together with the skipped lines they are lines 2..655.
        var lines = imported.Select(r => int.Parse(System.Text.RegularExpressions.Regex.Match(r.Source, @"measured\.csv line (\d+)").Groups[1].Value))
            .Concat(skipped.Select(s => int.Parse(s[0]))).Order().ToArray();
        Assert.Equal(Enumerable.Range(2, SourceRows).ToArray(), lines);
    }

    [Fact]
    public void Every_imported_row_is_predicted_or_skipped_with_a_reason()
    {
        var (imported, _) = Read();
        var p = new Predictor(Lib, d => (d, ConstantEfficiency.For(d)));
        int predicted = 0;
        foreach (var row in imported)
        {
            var c = p.Compare(row);
            if (c.Predicted is double v)
            {
                Assert.True(double.IsFinite(v) && v > 0, $"line {row.Line}: prediction {v}");
                predicted++;
            }
            else Assert.False(string.IsNullOrWhiteSpace(c.Skipped), $"line {row.Line}: neither predicted nor skipped with a reason");
        }
        // The import keeps only rows the static-batch predictor can express, so all of them are predicted today.
        Assert.Equal(imported.Count, predicted);
    }

    [Fact]
    public void Imported_rows_use_shipped_profiles_specs_and_schemes()
    {
        var (imported, _) = Read();
        foreach (var r in imported)
        {
            Lib.Hardware(r.Device);
            Lib.Model(r.Model);
            Assert.True(Simulator.Core.Specs.QuantizationScheme.TryParse(r.Dtype, out _, out var e), e);
            Assert.Equal("e2e", r.Benchmark);
        }
    }
}
