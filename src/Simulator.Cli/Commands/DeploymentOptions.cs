using System.CommandLine;
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
            var (dev, eff) = Calibrated(device);
            cluster = CalibratedCluster(cluster) with { Device = dev };
            return Deployment.Create(model, dev, quant, par, cluster, flash == "on", eff);
        }
        catch (PlanException e)
        {
            throw new CliException($"impossible plan for {model.Name} on {device.Name}: {e.Message}");
        }
    }

    /// <summary>A device with its own calibration applied, else its constants (see <see cref="CalibrationFile.Calibrated(HardwareProfile)"/>).</summary>
    public static (HardwareProfile Device, IEfficiencyModel Efficiency) Calibrated(HardwareProfile device) => CalibrationFile.Calibrated(device);

    /// <summary>A cluster with its device's calibrated intra-node link.</summary>
    public static ClusterSpec CalibratedCluster(ClusterSpec cluster) => CalibrationFile.Calibrated(cluster);

    /// <summary>
    /// Error bands from the device's calibration: the 10th and 90th percentile of the signed held-out error of
    /// a benchmark family, or null when the profile has no calibration or the family was not measured.
    /// </summary>
    public static (double P10, double P90)? Band(HardwareProfile device, string family)
    {
        return CalibrationFile.Of(device) is { } c && c.ResidualBands.TryGetValue(family, out var b) ? b : null;
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
