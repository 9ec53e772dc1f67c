using System.CommandLine;
using Simulator.Cli.Options;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;
using Simulator.Validation;

namespace Simulator.Cli.Commands;

/// <summary>The options that name a deployment (model, hardware, parallelism, quantization), defined once.</summary>
public sealed class DeploymentOptions
{
    public Option<string> Model { get; } = new("--model", "-m") { Description = "Model name, spec YAML path or Hugging Face config.json path", Required = true };
    public Option<string> Hardware { get; } = new("--hardware", "-H") { Description = "Hardware profile or cluster name (or YAML path)", Required = true };
    public Option<int> Tp { get; } = Opt.Int("--tp", "Tensor-parallel degree", 1, MaxParallel, 1);
    public Option<int> Pp { get; } = Opt.Int("--pp", "Pipeline-parallel degree", 1, MaxParallel, 1);
    public Option<int> Ep { get; } = Opt.Int("--ep", "Expert-parallel degree (MoE; divides TP, or with --dp equals TP x DP)", 1, MaxParallel, 1);
    public Option<int> Dp { get; } = Opt.Int("--dp", "Attention data-parallel ranks (MoE): the batch is split over DP ranks, each with the full attention weights and its own KV cache; DEP4 is --dp 4 --ep 4", 1, MaxParallel, 1);
    public Option<double?> ExpertImbalance { get; } = Opt.Number("--expert-imbalance", "Busiest expert-parallel rank's routed tokens over the mean (routing skew; 1 = even)", 1, 1000, 1.0, unitWord: "factor");
    public Option<int> RedundantExperts { get; } = Opt.Int("--redundant-experts", "Redundant expert slots (EPLB): hot experts copied over the EP ranks; each rank holds (experts + redundant) / EP", 0, 1_000_000, 0);
    public Option<string?> ExpertLoads { get; } = new("--expert-loads")
    {
        Description = "File of measured tokens per routed expert (one number per expert, by line or comma): the busiest EP rank follows from the placement (contiguous, or EPLB with --redundant-experts)",
    };
    public Option<string?> Quant { get; } = new("--quant", "-q") { Description = $"Quantization: {QuantizationScheme.Examples} (default: the model's native 16-bit type)" };
    public Option<Opt.Switch> Flash { get; } = Opt.OnOff("--flash-attention", "Fused flash attention", true);

    /// <summary>What the engine did to the KV-cache type at the last <see cref="Resolve"/> (null: nothing).</summary>
    public string? KvNote { get; private set; }

    /// <summary>What the engine profile does not describe on the resolved device (null: it applies as described).</summary>
    public string? EngineNote { get; private set; }

    /// <summary>Largest TP, PP or EP degree accepted (a bound that keeps arithmetic in range, far above any real deployment).</summary>
    public const int MaxParallel = 4096;

    public void AddTo(Command c)
    {
        c.Options.Add(Model);
        c.Options.Add(Hardware);
        c.Options.Add(Tp);
        c.Options.Add(Pp);
        c.Options.Add(Ep);
        c.Options.Add(Dp);
        c.Options.Add(ExpertImbalance);
        c.Options.Add(RedundantExperts);
        c.Options.Add(ExpertLoads);
        c.Options.Add(Quant);
        c.Options.Add(Flash);
    }

    /// <summary>Resolves the options into a validated deployment; problems become clear messages.</summary>
    /// <param name="devices">The invocation's device resolver (calibrations).</param>
    /// <param name="hardwareOverride">Hardware to use instead of --hardware (a disaggregated pool's own).</param>
    /// <param name="tpOverride">Tensor-parallel degree to use instead of --tp.</param>
    /// <param name="engine">A serving engine: it resolves the KV-cache type of the checkpoint (<see cref="EngineProfile.ResolveKvCache"/>)
    /// and scales the device's kernel efficiencies by its own (null: neither).</param>
    public Deployment Resolve(ParseResult r, SpecLibrary lib, DeviceResolver devices, string? hardwareOverride = null, int? tpOverride = null, EngineProfile? engine = null)
    {
        var model = lib.Model(r.GetValue(Model)!);
        string hwName = hardwareOverride ?? r.GetValue(Hardware)!;
        var resolved = lib.IsCluster(hwName) ? devices.ResolveCluster(lib.Cluster(hwName)) : devices.Resolve(lib.Hardware(hwName));
        string? quantText = r.GetValue(Quant);
        var quant = ParseQuant(quantText, model);
        var efficiency = resolved.Efficiency;
        if (engine is not null)
        {
            if (engine.Support(resolved.Device) is { } support)
            {
                if (!support.Supported) throw new CliException($"--engine {engine.Name}: {support.Why}; choose another --engine or device");
                EngineNote = support.Why;
            }
            (quant, KvNote) = engine.ResolveKvCache(quant, EngineProfile.NamesKvType(quantText));
            efficiency = EngineEfficiency.Wrap(efficiency, engine);
        }
        var par = new Parallelism(tpOverride ?? r.GetValue(Tp), r.GetValue(Pp), r.GetValue(Ep), r.GetValue(Dp));
        // A device name stands for its cluster's nodes, as many as an attention-DP group needs (wide EP across nodes);
        // a cluster name fixes them.
        var cluster = ScaleForDp(resolved.Cluster, par, lib.IsCluster(hwName));
        var experts = Experts(r);
        try
        {
            return Deployment.Create(model, resolved.Device, quant, par, cluster, r.GetValue(Flash), efficiency, experts);
        }
        catch (PlanException e)
        {
            throw new CliException($"impossible plan for {model.Name} on {resolved.Device.Name}: {e.Message}");
        }
    }

    /// <summary>
    /// With attention data parallelism on a device (not a named cluster), as many nodes of the device's cluster as the
    /// replica needs, so a DEP or wide-EP group can span nodes; otherwise the cluster as it is.
    /// </summary>
    public static ClusterSpec ScaleForDp(ClusterSpec cluster, Parallelism par, bool namedCluster) =>
        !namedCluster && par.Dp > 1 && par.Devices > cluster.TotalDevices && cluster.InterNode is not null
            ? cluster with { Nodes = (par.Devices + cluster.DevicesPerNode - 1) / cluster.DevicesPerNode }
            : cluster;

    /// <summary>The expert load the options describe (null when they describe even routing).</summary>
    public ExpertLoad? Experts(ParseResult r)
    {
        double imbalance = r.GetValue(ExpertImbalance) ?? 1;
        int redundant = r.GetValue(RedundantExperts);
        string? file = r.GetValue(ExpertLoads);
        double[]? loads = file is null ? null : ReadLoads(file);
        if (imbalance == 1 && redundant == 0 && loads is null) return null;
        if (loads is not null && r.GetResult(ExpertImbalance) is { Implicit: false })
            throw new CliException("give --expert-imbalance or --expert-loads, not both (the loads determine the busiest rank)");
        return new ExpertLoad { Imbalance = imbalance, RedundantExperts = redundant, ExpertTokens = loads };
    }

    private static double[] ReadLoads(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"--expert-loads: cannot read '{path}': {e.Message}"); }
        var values = new List<double>();
        int line = 0;
        foreach (var raw in text.Split('\n'))
        {
            line++;
            string l = raw.Trim();
            if (l.Length == 0 || l.StartsWith('#')) continue;
            foreach (var cell in l.Split([',', ' ', '\t', ';'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (!double.TryParse(cell, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || v < 0)
                    throw new CliException($"{path}:{line}: '{cell}' is not a non-negative number of tokens");
                values.Add(v);
            }
        }
        if (values.Count == 0) throw new CliException($"{path}: no per-expert loads found (one number per routed expert)");
        return values.ToArray();
    }

    /// <summary>The range of measured values consistent with a prediction, given signed % errors (predicted - measured) / measured.</summary>
    public static (double Low, double High) Range(double predicted, (double P10, double P90) band) =>
        (predicted / (1 + band.P90 / 100), predicted / (1 + band.P10 / 100));

    public static QuantizationScheme ParseQuant(string? text, ModelSpec model)
    {
        if (text is null) return model.NativeDType == DataType.Fp16 ? QuantizationScheme.Fp16 : QuantizationScheme.Bf16;
        if (!QuantizationScheme.TryParse(text, out var q, out var error, model.NativeDType)) throw new CliException("--quant: " + error);
        return q;
    }
}
