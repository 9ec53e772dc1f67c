using System.Globalization;
using Simulator.Core.Loading;

namespace Simulator.Validation;

/// <summary>
/// The project's serving-benchmark CSV (validation/measured/published/serving/, docs/FORMATS.md): one measured metric per
/// row with the setup it was measured under. Rows with the same setup (every column but metric, value, unit and source)
/// form one run. Metric names are vLLM's result-file names; units ms, s, us, tok/s, req/s.
/// </summary>
public static class ServingCsv
{
    /// <summary>The columns, in order.</summary>
    public static readonly string[] Header =
        ["engine", "engine_version", "harness", "device", "num_devices", "model", "dtype", "kv_dtype", "tp", "pp", "mode", "input_tokens", "output_tokens",
         "concurrency", "request_rate", "num_prompts", "settings", "metric", "value", "unit", "source"];

    /// <summary>Settings keys a row may set (semicolon-separated key=value), each overriding the engine profile for that run.</summary>
    public static readonly string[] SettingKeys = ["kv_fraction", "max_batch", "max_num_tokens", "graph_max_batch", "graph_padding", "backend", "frontend"];

    /// <summary>Whether a header line is this schema's.</summary>
    public static bool LooksLikeHeader(string line)
    {
        var cells = line.Split(',').Select(c => c.Trim().Trim('"')).ToHashSet(StringComparer.Ordinal);
        return cells.Contains("engine") && cells.Contains("mode") && cells.Contains("metric") && cells.Contains("harness");
    }

    /// <summary>Parses the text into runs; problems carry the row's line; unknown settings are warnings.</summary>
    public static List<ServingRecord> Parse(string path, string text, List<string> warnings, List<SpecError> errors)
    {
        var records = new List<ServingRecord>();
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        using var csv = Csv.Read(text);
        string[]? header = null;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var unknownSettings = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var r in csv)
        {
            if (header is null)
            {
                if (Csv.IsBlank(r) || Csv.IsComment(r)) continue;
                header = Csv.Cells(r);
                for (int i = 0; i < header.Length; i++) index[header[i]] = i;
                var missing = Header.Where(h => !index.ContainsKey(h)).ToList();
                if (missing.Count > 0)
                {
                    errors.Add(new SpecError(path, Csv.Line(r), "", $"header lacks column(s) {string.Join(", ", missing)}; expected {string.Join(',', Header)}"));
                    return records;
                }
                foreach (var extra in header.Where(h => !Header.Contains(h))) warnings.Add($"{path}:{Csv.Line(r)}: column '{extra}' is not one the serving schema knows; ignored");
                continue;
            }
            if (Csv.IsBlank(r) || Csv.IsComment(r)) continue;
            int line = Csv.Line(r);
            if (r.ColCount != header.Length) { errors.Add(new SpecError(path, line, "", $"has {r.ColCount} cells, the header has {header.Length}")); continue; }
            var cells = Csv.Cells(r);
            string C(string name) => cells[index[name]];
            bool bad = false;
            double Num(string name, bool required, double fallback = double.NaN)
            {
                string c = C(name);
                if (c.Length == 0)
                {
                    if (required) { errors.Add(new SpecError(path, line, name, "required")); bad = true; }
                    return fallback;
                }
                if (c is "inf" or "INF" or "Infinity") return double.PositiveInfinity;
                if (double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0) return v;
                errors.Add(new SpecError(path, line, name, $"'{c}' is not a non-negative number"));
                bad = true;
                return fallback;
            }
            string metric = C("metric"), unit = C("unit");
            double value = Num("value", true);
            if (!ServingMetrics.IsKnown(metric)) { errors.Add(new SpecError(path, line, "metric", $"unknown metric '{metric}'; expected a vLLM result name such as ttft_mean, tpot_p99, itl_median, e2el_p90, output_throughput, request_throughput")); continue; }
            bool latency = ServingMetrics.Latencies.Contains(metric.Split('_')[0]);
            double si;
            if (latency)
            {
                if (ServingFiles.Seconds(value, unit) is not double s) { errors.Add(new SpecError(path, line, "unit", $"a latency is in ms, s, us or ns, not '{unit}'")); continue; }
                si = s;
            }
            else
            {
                string want = metric == "request_throughput" ? "req/s" : "tok/s";
                if (unit != want) { errors.Add(new SpecError(path, line, "unit", $"{metric} is in {want}, not '{unit}'")); continue; }
                si = value;
            }
            string modeText = C("mode");
            ServingLoad? load = modeText switch
            {
                "max_throughput" => ServingLoad.MaxThroughput,
                "rate" => ServingLoad.Rate,
                "concurrency" or "latency" => ServingLoad.Concurrency,
                _ => null,
            };
            if (load is null) { errors.Add(new SpecError(path, line, "mode", $"expected max_throughput, rate, concurrency or latency, not '{modeText}'")); continue; }
            double rate = Num("request_rate", false, double.PositiveInfinity);
            double conc = Num("concurrency", false);
            if (modeText == "latency" && double.IsNaN(conc)) conc = 1;
            if (load == ServingLoad.Rate && double.IsPositiveInfinity(rate)) load = ServingLoad.MaxThroughput;
            if (load == ServingLoad.Concurrency && !(conc >= 1)) { errors.Add(new SpecError(path, line, "concurrency", "a concurrency run needs its concurrency")); continue; }
            double isl = Num("input_tokens", true), osl = Num("output_tokens", true);
            double tp = Num("tp", false, 1), pp = Num("pp", false, 1), prompts = Num("num_prompts", false, 1000);
            string harness = C("harness");
            if (harness is not ("server" or "offline")) { errors.Add(new SpecError(path, line, "harness", $"expected server (an HTTP API server in front of the engine) or offline (in-process), not '{harness}'")); continue; }
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var kv in C("settings").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var p = kv.Split('=', 2);
                if (p.Length != 2) { errors.Add(new SpecError(path, line, "settings", $"'{kv}' is not key=value")); bad = true; continue; }
                if (!SettingKeys.Contains(p[0])) unknownSettings.Add(p[0]);
                settings[p[0]] = p[1];
            }
            if (bad) continue;
            var setup = new ServingSetup
            {
                Engine = ServingFiles.EngineOf(C("engine")),
                EngineVersion = C("engine_version"),
                Offline = harness == "offline",
                Device = C("device"),
                Model = C("model"),
                Dtype = C("dtype"),
                KvDtype = C("kv_dtype"),
                Tp = (int)tp,
                Pp = (int)pp,
                Load = load.Value,
                RequestRate = load == ServingLoad.Rate ? rate : double.PositiveInfinity,
                Concurrency = double.IsNaN(conc) ? null : (int)conc,
                InputTokens = isl,
                OutputTokens = osl,
                NumPrompts = (int)prompts,
                Settings = settings,
            };
            string key = string.Join('|', Header.Where(h => h is not ("metric" or "value" or "unit" or "source")).Select(C));
            if (byKey.TryGetValue(key, out int at))
            {
                var rec = records[at];
                records[at] = rec with { Metrics = [.. rec.Metrics, new ServingMetric(metric, si)] };
            }
            else
            {
                byKey[key] = records.Count;
                records.Add(new ServingRecord(path, line, "csv", setup, [new ServingMetric(metric, si)], C("source")));
            }
        }
        if (header is null) errors.Add(new SpecError(path, 1, "", "empty file; expected the header " + string.Join(',', Header)));
        foreach (var k in unknownSettings) warnings.Add($"{path}: settings key '{k}' is not one the validator uses ({string.Join(", ", SettingKeys)}); ignored");
        return records;
    }
}
