using System.Globalization;
using System.Text.Json;
using Simulator.Core.Loading;

namespace Simulator.Deploy.Compare;

/// <summary>What a result file holds.</summary>
public enum ResultKind
{
    /// <summary><c>llmsim plan --format json</c>: one plan (the chosen one unless another is picked) is compared.</summary>
    Plan,
    /// <summary><c>llmsim simulate --format json</c> (one run).</summary>
    Simulation,
    /// <summary><c>llmsim estimate --format json</c> (one batch).</summary>
    Estimate,
}

/// <summary>A figure of a result: name, unit, value (null when the result has none) and which way is better.</summary>
/// <param name="Unit">s, USD/h, USD, req/s, tokens/s, W, J, B, USD/Mtok, fraction or count.</param>
public sealed record ResultMetric(string Name, string Unit, double? Value, bool LowerIsBetter);

/// <summary>A result reduced to what a comparison shows: its setup (what was run) and its figures.</summary>
/// <param name="Title">One line naming the result (the plan, or the cluster and workload).</param>
public sealed record ResultSummary(string File, ResultKind Kind, string Title, IReadOnlyList<(string Field, string Value)> Setup, IReadOnlyList<ResultMetric> Metrics);

/// <summary>
/// Reads the JSON of a plan, a simulation or an estimate into a <see cref="ResultSummary"/>. Problems name the file
/// and the JSON path.
/// </summary>
public static class ResultReader
{
    /// <summary>Reads one result; <paramref name="planIndex"/> picks the plan of a plan file (0: the chosen one).</summary>
    public static ResultSummary Read(string file, string json, int planIndex = 0)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new SpecException([new SpecError(file, (int)(e.LineNumber ?? 0) + 1, "", "not valid JSON: " + e.Message)]); }
        using (doc)
        {
            var r = doc.RootElement;
            if (r.ValueKind == JsonValueKind.Array)
                throw new SpecException(file, "holds a list of results (a sweep); diff compares one plan, simulation or estimate with another");
            if (r.ValueKind != JsonValueKind.Object) throw new SpecException(file, "expected a JSON object written by llmsim plan, simulate or estimate");
            if (r.TryGetProperty("plans", out _)) return Plan(file, r, planIndex);
            if (r.TryGetProperty("ttft", out _) && r.TryGetProperty("requests", out _)) return Simulation(file, r);
            if (r.TryGetProperty("ttftSeconds", out _) && r.TryGetProperty("batch", out _)) return Estimate(file, r);
            throw new SpecException(file, "not a result diff knows: expected the JSON of llmsim plan, simulate or estimate (--format json)");
        }
    }

    private static ResultSummary Plan(string file, JsonElement r, int index)
    {
        var plans = r.GetProperty("plans");
        if (plans.GetArrayLength() == 0) throw new SpecException(file, "plans: the file holds no plan");
        if (index < 0 || index >= plans.GetArrayLength()) throw new SpecException(file, $"plans: there is no plan #{index + 1}; the file holds {plans.GetArrayLength()}");
        var p = plans[index];
        string label = string.Join(" + ", p.GetProperty("replicas").EnumerateArray().Select(g =>
            $"{Int(g, "count")}x {Str(g, "hardware")} " + (Int(g, "dp") > 1 ? $"DP{Int(g, "dp")} " : "") + $"TP{Int(g, "tp")}" + (Int(g, "pp") > 1 ? $" PP{Int(g, "pp")}" : "") + (Int(g, "ep") > 1 ? $" EP{Int(g, "ep")}" : "")
            + $" {Str(g, "quantization")} b{Int(g, "maxBatch")}" + (Str(g, "role") is "aggregated" ? "" : " " + Str(g, "role"))
            + (Text(g, "prefixCaching") == "true" ? " +prefix-cache" : "") + (Str(g, "speculative") is { Length: > 0 } sp ? $" +spec {sp}" : "")));
        var setup = new List<(string, string)>
        {
            ("model", Str(r, "model")),
            ("engine", Or(Str(r, "engine"), "generic")),
            ("rate", Text(r, "rate")),
            ("ttftSlo", Text(r, "ttftSloSeconds")),
            ("tpotSlo", Text(r, "tpotSloSeconds")),
            ("objective", Str(r, "objective")),
            ("plan", label),
            ("hardware", Str(p, "hardware")),
            ("quantization", string.Join(",", p.GetProperty("replicas").EnumerateArray().Select(g => Str(g, "quantization")).Distinct())),
            ("disaggregated", Text(p, "disaggregated")),
            ("latencyFrom", Str(p, "latencyFrom")),
            ("meetsSlo", Text(p, "meetsSlo")),
        };
        var metrics = new List<ResultMetric>
        {
            new("costPerHour", "USD/h", Num(p, "costPerHour"), true),
            new("devices", "count", Num(p, "devices"), true),
            new("billedDevices", "count", Num(p, "billedDevices"), true),
            new("ttftP90", "s", Num(p, "ttftP90Seconds"), true),
            new("tpotP90", "s", Num(p, "tpotP90Seconds"), true),
            new("goodput", "req/s", Num(p, "goodput"), false),
            new("capacity", "req/s", Num(p, "capacityRequestsPerSecond"), false),
            new("purchase", "USD", Num(p, "purchaseUsd"), true),
            new("power", "W", Num(p, "powerWatts"), true),
        };
        if (p.TryGetProperty("tco", out var tco) && tco.ValueKind == JsonValueKind.Object) metrics.Add(new("tco", "USD", Num(tco, "totalUsd"), true));
        return new ResultSummary(file, ResultKind.Plan, $"plan #{index + 1}: {label}", setup, metrics);
    }

    private static ResultSummary Simulation(string file, JsonElement r)
    {
        double? duration = Num(r, "durationSeconds"), cost = Num(r, "costUsd");
        double? perHour = duration is > 0 && cost is not null ? cost / duration * 3600 : null;
        string cluster = $"{Text(r, "replicas")}x {Str(r, "hardware")} TP{Text(r, "tp")}" + (Text(r, "pp") is "1" or "" ? "" : $" PP{Text(r, "pp")}") + $" {Str(r, "quantization")}"
            + (r.TryGetProperty("decodeHardware", out _) ? $" prefill + {Text(r, "decodeReplicas")}x {Str(r, "decodeHardware")} TP{Text(r, "decodeTp")} decode" : "");
        var setup = new List<(string, string)>
        {
            ("model", Str(r, "model")),
            ("cluster", cluster),
            ("hardware", Str(r, "hardware")),
            ("quantization", Str(r, "quantization")),
            ("kvCacheDtype", Str(r, "kvCacheDtype")),
            ("engine", Or(Str(r, "engine"), "generic")),
            ("tp", Text(r, "tp")),
            ("pp", Text(r, "pp")),
            ("dp", Or(Text(r, "dp"), "1")),
            ("ep", Or(Text(r, "ep"), "1")),
            ("replicas", Text(r, "replicas")),
            ("disaggregated", Text(r, "disaggregated")),
            ("scheduler", Str(r, "scheduler")),
            ("maxBatch", Text(r, "maxBatch")),
            ("tokenBudget", Text(r, "tokenBudget")),
            ("router", Str(r, "router")),
            ("preemption", Str(r, "preemption")),
            ("prefixCaching", Text(r, "prefixCaching") == "true" ? "on" : "off"),
            ("sharedPrefixTokens", Or(Text(r, "sharedPrefixTokens"), "0")),
            ("kvOffload", Or(Text(r, "kvOffload"), "none")),
            ("speculative", Or(Text(r, "speculative"), "none")),
            ("workload", Str(r, "workload")),
            ("arrivals", Str(r, "arrivals")),
            ("seed", Text(r, "seed")),
            ("requests", Text(r, "requests")),
        };
        var metrics = new List<ResultMetric>
        {
            new("costPerHour", "USD/h", perHour, true),
            new("devices", "count", Num(r, "devices"), true),
            new("ttftP90", "s", Stat(r, "ttft", "p90"), true),
            new("tpotP90", "s", Stat(r, "tpot", "p90"), true),
            new("e2eP90", "s", Stat(r, "e2e", "p90"), true),
            new("goodput", "req/s", Num(r, "goodput"), false),
            new("throughput", "req/s", Num(r, "throughputRequestsPerSecond"), false),
            new("outputTokensPerSecond", "tokens/s", Num(r, "outputTokensPerSecond"), false),
            new("sloAttainment", "fraction", Num(r, "sloAttainment"), false),
            new("rejected", "count", Num(r, "rejected"), true),
            new("costPerMillionOutputTokens", "USD/Mtok", Num(r, "costUsdPerMillionOutputTokens"), true),
            new("joulesPerOutputToken", "J", Num(r, "joulesPerOutputToken"), true),
        };
        return new ResultSummary(file, ResultKind.Simulation, $"{Str(r, "model")} on {cluster}, {Str(r, "workload")} ({Str(r, "arrivals")})", setup, metrics);
    }

    private static ResultSummary Estimate(string file, JsonElement r)
    {
        var setup = new List<(string, string)>
        {
            ("model", Str(r, "model")), ("hardware", Str(r, "hardware")), ("quantization", Str(r, "quantization")),
            ("kvCacheDtype", Str(r, "kvCacheDtype")), ("engine", Or(Str(r, "engine"), "generic")),
            ("tp", Text(r, "tp")), ("pp", Text(r, "pp")), ("ep", Text(r, "ep")), ("dp", Or(Text(r, "dp"), "1")),
            ("expertImbalance", Or(Text(r, "expertImbalance"), "1")), ("redundantExperts", Or(Text(r, "redundantExperts"), "0")),
            ("batch", Text(r, "batch")), ("inputTokens", Text(r, "inputTokens")), ("outputTokens", Text(r, "outputTokens")), ("fits", Text(r, "fits")),
        };
        var metrics = new List<ResultMetric>
        {
            new("devices", "count", Num(r, "devices"), true),
            new("ttft", "s", Num(r, "ttftSeconds"), true),
            new("tpot", "s", Num(r, "tpotSeconds"), true),
            new("e2e", "s", Num(r, "e2eSeconds"), true),
            new("tokensPerSecond", "tokens/s", Num(r, "tokensPerSecond"), false),
            new("tokensPerSecondPerDevice", "tokens/s", Num(r, "tokensPerSecondPerDevice"), false),
            new("weightBytesPerDevice", "B", Num(r, "weightBytesPerDevice"), true),
            new("kvCacheBytes", "B", Num(r, "kvCacheBytes"), true),
            new("maxBatch", "count", Num(r, "maxBatchAtThisContext"), false),
        };
        return new ResultSummary(file, ResultKind.Estimate, $"{Str(r, "model")} on {Text(r, "devices")}x {Str(r, "hardware")} ({Str(r, "quantization")}), batch {Text(r, "batch")}", setup, metrics);
    }

    private static string Str(JsonElement o, string key) => o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static int Int(JsonElement o, string key) => o.TryGetProperty(key, out var v) && v.TryGetInt32(out int n) ? n : 1;

    /// <summary>A field as text: strings as they are, numbers in their JSON form, booleans as true/false, objects and arrays as compact JSON, absent or null as "".</summary>
    private static string Text(JsonElement o, string key) => !o.TryGetProperty(key, out var v) ? "" : v.ValueKind switch
    {
        JsonValueKind.String => v.GetString()!,
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Object or JsonValueKind.Array => JsonSerializer.Serialize(v),
        _ => "",
    };

    /// <summary>The value, or what an older or shorter output means by leaving the field out.</summary>
    private static string Or(string value, string absent) => value.Length == 0 ? absent : value;

    private static double? Num(JsonElement o, string key) =>
        o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static double? Stat(JsonElement o, string key, string stat) =>
        o.TryGetProperty(key, out var s) && s.ValueKind == JsonValueKind.Object ? Num(s, stat) : null;

    /// <summary>Invariant-culture text of a number, for messages.</summary>
    internal static string Inv(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
