using System.Globalization;
using Simulator.Core.Loading;

namespace Simulator.Validation;

/// <summary>
/// One measurement in the project's CSV schema:
/// <c>benchmark,device,dtype,model,tp,m,n,k,bytes,batch,input_tokens,output_tokens,context_tokens,metric,value,unit,source</c>.
/// Missing numeric cells are null.
/// </summary>
public sealed record MeasuredRow(
    string File,
    int Line,
    string Benchmark,
    string Device,
    string Dtype,
    string Model,
    int? Tp,
    double? M,
    double? N,
    double? K,
    double? Bytes,
    int? Batch,
    int? InputTokens,
    int? OutputTokens,
    int? ContextTokens,
    string Metric,
    double Value,
    string Unit,
    string Source)
{
    /// <summary>The family of <see cref="Benchmark"/> (null for a name the validator does not know).</summary>
    public BenchmarkFamily? Family => BenchmarkFamilies.Parse(Benchmark);

    /// <summary>Pipeline-parallel stages (optional column <c>pp</c>; serving rows).</summary>
    public int? Pp { get; init; }

    /// <summary>Expert-parallel degree (optional column <c>ep</c>; serving rows of MoE models).</summary>
    public int? Ep { get; init; }

    /// <summary>Attention data-parallel ranks (optional column <c>dp</c>; TensorRT-LLM's DEPn is tp 1, dp n, ep n).</summary>
    public int? Dp { get; init; }

    /// <summary>Which part of a published set the row belongs to (optional column <c>split</c>: <c>dev</c> or <c>held-out</c>).</summary>
    public string Split { get; init; } = "";
}

/// <summary>Reads measured-data CSV files; broken rows and unknown benchmarks are counted and reported with line numbers.</summary>
public static class MeasuredCsv
{
    public static readonly string[] Header =
        ["benchmark", "device", "dtype", "model", "tp", "m", "n", "k", "bytes", "batch", "input_tokens", "output_tokens", "context_tokens", "metric", "value", "unit", "source"];

    /// <summary>Benchmark families the validator understands.</summary>
    public static readonly string[] Benchmarks = BenchmarkFamilies.All.Select(f => f.Name()).ToArray();

    /// <summary>Columns a measured-data file may add to <see cref="Header"/> (serving rows): parallel layout and set split.</summary>
    public static readonly string[] OptionalColumns = ["pp", "ep", "dp", "split"];

    /// <summary>Metrics and the unit each must carry.</summary>
    public static readonly IReadOnlyDictionary<string, string> MetricUnits = new Dictionary<string, string>
    {
        ["seconds"] = "s", ["tflops"] = "TFLOP/s", ["gbps"] = "GB/s", ["ttft_seconds"] = "s", ["tpot_seconds"] = "s", ["tokens_per_second"] = "tokens/s",
    };

    /// <summary>Metrics that are one timing written three ways: a GEMM's seconds, its TFLOP/s and its GB/s.</summary>
    private static readonly string[] TimeDerived = ["seconds", "tflops", "gbps"];

    /// <summary>
    /// One row per measurement: rows that describe the same run (same benchmark, device, shape, model, lengths and source)
    /// and differ only in whether the timing is written as seconds, TFLOP/s or GB/s count once, as the seconds row where
    /// there is one. Other metrics (TTFT, TPOT, tokens/s) are separate measurements and stay.
    /// </summary>
    public static IReadOnlyList<MeasuredRow> Distinct(IEnumerable<MeasuredRow> rows)
    {
        var kept = new List<MeasuredRow>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in rows)
        {
            int rank = Array.IndexOf(TimeDerived, r.Metric);
            if (rank < 0) { kept.Add(r); continue; }
            string key = string.Join('|', r.Benchmark, r.Device, r.Dtype, r.Model, r.Tp, r.M, r.N, r.K, r.Bytes, r.Batch, r.InputTokens, r.OutputTokens, r.ContextTokens, r.Source);
            if (index.TryGetValue(key, out int at))
            {
                if (rank < Array.IndexOf(TimeDerived, kept[at].Metric)) kept[at] = r;
                continue;
            }
            index[key] = kept.Count;
            kept.Add(r);
        }
        return kept;
    }

    /// <summary>The result of reading: good rows, and every problem with its line.</summary>
    public sealed record Result(IReadOnlyList<MeasuredRow> Rows, IReadOnlyList<SpecError> Problems, int UnknownBenchmarkRows);

    public static Result Read(string path)
    {
        var errors = new List<SpecError>();
        var text = SpecFiles.ReadText(path, errors);
        if (text is null) return new Result([], errors, 0);
        return Parse(path, text);
    }

    /// <summary>
    /// Reads measured rows from CSV text: the first line is the header; blank lines and lines starting with '#' are
    /// skipped; a quoted cell may hold commas, quotes and line breaks; problems carry the row's first line in the file.
    /// </summary>
    public static Result Parse(string path, string text)
    {
        var rows = new List<MeasuredRow>();
        var problems = new List<SpecError>();
        int unknown = 0;
        using var csv = Csv.Read(text);
        string[]? header = null;
        var index = new Dictionary<string, int>();
        foreach (var r in csv)
        {
            if (header is null)
            {
                header = Csv.Cells(r);
                for (int i = 0; i < header.Length; i++) index[header[i]] = i;
                var missing = Header.Where(h => !index.ContainsKey(h)).ToList();
                if (missing.Count > 0)
                    return new Result(rows, [new SpecError(path, 1, "", $"header lacks column(s) {string.Join(", ", missing)}; expected {string.Join(',', Header)}")], 0);
                continue;
            }
            if (Csv.IsBlank(r) || Csv.IsComment(r)) continue;
            int lineNo = Csv.Line(r);
            if (r.ColCount != header.Length)
            {
                problems.Add(new SpecError(path, lineNo, "", $"has {r.ColCount} cells, the header has {header.Length}"));
                continue;
            }
            var cells = Csv.Cells(r);
            string Cell(string name) => cells[index[name]];
            string bench = Cell("benchmark");
            if (!Benchmarks.Contains(bench))
            {
                unknown++;
                problems.Add(new SpecError(path, lineNo, "benchmark", $"unknown benchmark '{bench}'; expected one of {string.Join(", ", Benchmarks)}"));
                continue;
            }
            string metric = Cell("metric"), unit = Cell("unit");
            if (!MetricUnits.TryGetValue(metric, out var expectedUnit))
            {
                problems.Add(new SpecError(path, lineNo, "metric", $"unknown metric '{metric}'; expected one of {string.Join(", ", MetricUnits.Keys)}"));
                continue;
            }
            if (unit != expectedUnit)
            {
                problems.Add(new SpecError(path, lineNo, "unit", $"metric {metric} is measured in '{expectedUnit}', not '{unit}'"));
                continue;
            }
            bool bad = false;
            double? Num(string name)
            {
                string c = Cell(name);
                if (c.Length == 0) return null;
                if (double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v >= 0) return v;
                problems.Add(new SpecError(path, lineNo, name, $"'{c}' is not a non-negative number"));
                bad = true;
                return null;
            }
            int? Int(string name) => Num(name) is double d ? (int)d : null;
            int? Optional(string name) => index.ContainsKey(name) ? Int(name) : null;
            var row = new MeasuredRow(path, lineNo, bench, Cell("device"), Cell("dtype"), Cell("model"), Int("tp"), Num("m"), Num("n"), Num("k"), Num("bytes"),
                Int("batch"), Int("input_tokens"), Int("output_tokens"), Int("context_tokens"), metric, Num("value") ?? double.NaN, unit, Cell("source"))
            {
                Pp = Optional("pp"),
                Ep = Optional("ep"),
                Dp = Optional("dp"),
                Split = index.ContainsKey("split") ? Cell("split") : "",
            };
            if (!bad && !(row.Value > 0))
            {
                problems.Add(new SpecError(path, lineNo, "value", "must be a positive number"));
                bad = true;
            }
            if (!bad) rows.Add(row);
        }
        if (header is null) return new Result(rows, [new SpecError(path, 1, "", "empty file; expected the header " + string.Join(',', Header))], 0);
        return new Result(rows, problems, unknown);
    }
}
