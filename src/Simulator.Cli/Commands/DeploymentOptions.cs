using System.CommandLine;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Cli.Commands;

/// <summary>The options that name a deployment (model, hardware, parallelism, quantization), defined once.</summary>
public sealed class DeploymentOptions
{
    public Option<string> Model { get; } = new("--model", "-m") { Description = "Model name, spec YAML path or Hugging Face config.json path", Required = true };
    public Option<string> Hardware { get; } = new("--hardware", "-H") { Description = "Hardware profile or cluster name (or YAML path)", Required = true };
    public Option<int> Tp { get; } = new("--tp") { Description = "Tensor-parallel degree", DefaultValueFactory = _ => 1 };
    public Option<int> Pp { get; } = new("--pp") { Description = "Pipeline-parallel degree", DefaultValueFactory = _ => 1 };
    public Option<int> Ep { get; } = new("--ep") { Description = "Expert-parallel degree (MoE; divides TP)", DefaultValueFactory = _ => 1 };
    public Option<string?> Quant { get; } = new("--quant", "-q") { Description = $"Quantization: {QuantizationScheme.Examples} (default: the model's native 16-bit type)" };
    public Option<string> Flash { get; } = new("--flash-attention") { Description = "Fused flash attention: on (default) or off", DefaultValueFactory = _ => "on" };

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
    /// <param name="hardwareOverride">Hardware to use instead of --hardware (a disaggregated pool's own).</param>
    /// <param name="tpOverride">Tensor-parallel degree to use instead of --tp.</param>
    public Deployment Resolve(ParseResult r, SpecLibrary lib, string? hardwareOverride = null, int? tpOverride = null)
    {
        var model = lib.Model(r.GetValue(Model)!);
        string hwName = hardwareOverride ?? r.GetValue(Hardware)!;
        ClusterSpec cluster;
        HardwareProfile device;
        if (lib.IsCluster(hwName))
        {
            cluster = lib.Cluster(hwName);
            device = cluster.Device;
        }
        else
        {
            device = lib.Hardware(hwName);
            cluster = lib.DefaultCluster(device);
        }
        var quant = ParseQuant(r.GetValue(Quant), model);
        string flash = r.GetValue(Flash) ?? "on";
        if (flash is not ("on" or "off")) throw new CliException($"--flash-attention must be on or off, not '{flash}'");
        var par = new Parallelism(tpOverride ?? r.GetValue(Tp), r.GetValue(Pp), r.GetValue(Ep));
        try
        {
            return Deployment.Create(model, device, quant, par, cluster, flash == "on", EfficiencyFor(device));
        }
        catch (PlanException e)
        {
            throw new CliException($"impossible plan for {model.Name} on {device.Name}: {e.Message}");
        }
    }

    /// <summary>Efficiency model for a device: its calibration where one exists, else its constants.</summary>
    public static IEfficiencyModel EfficiencyFor(HardwareProfile device) => ConstantEfficiency.For(device);

    public static QuantizationScheme ParseQuant(string? text, ModelSpec model)
    {
        if (text is null) return model.NativeDType == DataType.Fp16 ? QuantizationScheme.Fp16 : QuantizationScheme.Bf16;
        if (!QuantizationScheme.TryParse(text, out var q, out var error, model.NativeDType)) throw new CliException("--quant: " + error);
        return q;
    }
}
