using System.Text.Json;
using Simulator.Core.Loading;
using Simulator.Serving;

namespace Simulator.Deploy.Export;

/// <summary>Where a device type sits: its vendor and how many devices a node holds.</summary>
public sealed record DevicePlacement(string Vendor, string Kind, int DevicesPerNode);

/// <summary>
/// A plan read back from <c>llmsim plan --format json</c> output: the model and one plan's replica groups. Problems
/// name the file and the JSON path (<c>plan.json: plans[0].replicas[1].tp: missing</c>).
/// </summary>
/// <param name="File">The file read.</param>
/// <param name="Model">The plan's model name.</param>
/// <param name="PlanIndex">Which entry of <c>plans</c> (0 = the chosen plan).</param>
/// <param name="Replicas">The plan's replica groups as written.</param>
/// <param name="Label">The plan's replica groups in one line.</param>
public sealed record PlanDocument(string File, string Model, int PlanIndex, IReadOnlyList<PlanDocument.Group> Replicas, string Label)
{
    /// <summary>One entry of a plan's <c>replicas</c> array.</summary>
    public sealed record Group(ReplicaRole Role, string Hardware, int Count, int Tp, int Pp, int Ep, int Dp, string Quantization, string KvCacheDtype, int MaxBatch)
    {
        /// <summary>The replicas' speculative decoding in words (the plan's <c>speculative</c>; null: none).</summary>
        public string? Speculative { get; init; }
    }

    /// <summary>Parses plan JSON; <paramref name="planIndex"/> picks the plan (0-based; the first is the chosen one).</summary>
    public static PlanDocument Read(string file, string json, int planIndex = 0)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new SpecException([new SpecError(file, (int)(e.LineNumber ?? 0) + 1, "", "not valid JSON: " + e.Message)]); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("plans", out var plans) || plans.ValueKind != JsonValueKind.Array)
                throw new SpecException(file, "not a plan: expected the JSON object 'llmsim plan --format json' writes, with a 'plans' array");
            if (plans.GetArrayLength() == 0) throw new SpecException(file, "plans: the file holds no plan");
            if (planIndex < 0 || planIndex >= plans.GetArrayLength())
                throw new SpecException(file, $"plans: there is no plan #{planIndex + 1}; the file holds {plans.GetArrayLength()}");
            string model = Str(file, root, "model", "model");
            var plan = plans[planIndex];
            string at = $"plans[{planIndex}]";
            if (!plan.TryGetProperty("replicas", out var reps) || reps.ValueKind != JsonValueKind.Array || reps.GetArrayLength() == 0)
                throw new SpecException(file, $"{at}.replicas: missing or empty");
            var groups = new List<Group>();
            int i = 0;
            foreach (var r in reps.EnumerateArray())
            {
                string p = $"{at}.replicas[{i++}]";
                string roleText = Str(file, r, "role", p + ".role");
                var role = roleText switch
                {
                    "aggregated" => ReplicaRole.Aggregated,
                    "prefill" => ReplicaRole.Prefill,
                    "decode" => ReplicaRole.Decode,
                    _ => throw new SpecException(file, $"{p}.role: '{roleText}' is not aggregated, prefill or decode"),
                };
                groups.Add(new Group(role, Str(file, r, "hardware", p + ".hardware"), Int(file, r, "count", p + ".count"), Int(file, r, "tp", p + ".tp"),
                    Int(file, r, "pp", p + ".pp", 1), Int(file, r, "ep", p + ".ep", 1), Int(file, r, "dp", p + ".dp", 1),
                    Str(file, r, "quantization", p + ".quantization"), Str(file, r, "kvCacheDtype", p + ".kvCacheDtype"), Int(file, r, "maxBatch", p + ".maxBatch"))
                {
                    Speculative = r.TryGetProperty("speculative", out var sp) && sp.ValueKind == JsonValueKind.String ? sp.GetString() : null,
                });
            }
            string label = string.Join(" + ", groups.Select(g => $"{g.Count}x {g.Hardware} TP{g.Tp} {g.Quantization} b{g.MaxBatch}" + (g.Role == ReplicaRole.Aggregated ? "" : " " + g.Role.ToString().ToLowerInvariant())));
            return new PlanDocument(file, model, planIndex, groups, label);
        }
    }

    /// <summary>The deployment this plan describes; <paramref name="place"/> gives each hardware name's vendor and node size.</summary>
    public DeploymentSpec ToDeployment(string modelId, Func<string, DevicePlacement> place, string? name = null, int maxBatchedTokens = ReplicaConfig.DefaultUnchunkedBudget)
    {
        var groups = Replicas.Select(g =>
        {
            var where = place(g.Hardware);
            return new ReplicaGroup
            {
                Role = g.Role, Hardware = g.Hardware, Vendor = where.Vendor, Kind = where.Kind, Count = g.Count, Tp = g.Tp, Pp = g.Pp, Ep = g.Ep, Dp = g.Dp,
                Quantization = g.Quantization, KvCacheDtype = g.KvCacheDtype, MaxBatch = g.MaxBatch, MaxBatchedTokens = maxBatchedTokens,
                DevicesPerNode = where.DevicesPerNode,
                Speculative = g.Speculative,
            };
        }).ToList();
        return new DeploymentSpec(DeploymentSpec.KubernetesName(name ?? Model), Model, modelId, groups);
    }

    private static string Str(string file, JsonElement o, string key, string path) =>
        o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new SpecException(file, $"{path}: missing or not a string");

    private static int Int(string file, JsonElement o, string key, string path, int? fallback = null)
    {
        if (!o.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            return fallback ?? throw new SpecException(file, $"{path}: missing");
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int n) || n < 1) throw new SpecException(file, $"{path}: expected a whole number of at least 1");
        return n;
    }
}
