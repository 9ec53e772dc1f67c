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
    public Option<int> Ep { get; } = Opt.Int("--ep", "Expert-parallel degree (MoE; divides TP)", 1, MaxParallel, 1);
    public Option<string?> Quant { get; } = new("--quant", "-q") { Description = $"Quantization: {QuantizationScheme.Examples} (default: the model's native 16-bit type)" };
    public Option<Opt.Switch> Flash { get; } = Opt.OnOff("--flash-attention", "Fused flash attention", true);

    /// <summary>What the engine did to the KV-cache type at the last <see cref="Resolve"/> (null: nothing).</summary>
    public string? KvNote { get; private set; }

    /// <summary>Largest TP, PP or EP degree accepted (a bound that keeps arithmetic in range, far above any real deployment).</summary>
    public const int MaxParallel = 4096;

    public void AddTo(Command c)
    {
        c.Options.Add(Model);
        c.Options.Add(Hardware);
        c.Options.Add(Tp);
        c.Options.Add(Pp);
        c.Options.Add(Ep);
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
            (quant, KvNote) = engine.ResolveKvCache(quant, EngineProfile.NamesKvType(quantText));
            efficiency = EngineEfficiency.Wrap(efficiency, engine);
        }
        var par = new Parallelism(tpOverride ?? r.GetValue(Tp), r.GetValue(Pp), r.GetValue(Ep));
        try
        {
            return Deployment.Create(model, resolved.Device, quant, par, resolved.Cluster, r.GetValue(Flash), efficiency);
        }
        catch (PlanException e)
        {
            throw new CliException($"impossible plan for {model.Name} on {resolved.Device.Name}: {e.Message}");
        }
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
