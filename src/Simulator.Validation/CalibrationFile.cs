using System.Globalization;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Core.Units;
using Simulator.Roofline;

namespace Simulator.Validation;

/// <summary>
/// Reads and writes calibration YAML files (see docs/FORMATS.md, "Calibration"). A hardware profile points at
/// one with <c>calibration: FILE</c>; the cost model then uses its curves instead of the constants.
/// </summary>
public static class CalibrationFile
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string ToYaml(Calibration c)
    {
        var w = new System.Text.StringBuilder();
        w.Append("# Efficiency curves fitted by llmsim calibrate: e(size) = max / (1 + exp(-slope (log10(size) - half_log10))).\n");
        w.Append("# gemm curves take size = FLOPs of the matrix multiply; memory takes size = bytes moved.\n");
        foreach (var note in c.Notes) w.Append("# ").Append(note.Replace('\n', ' ')).Append('\n');
        w.Append($"device: {c.Device}\n");
        w.Append($"source: \"{c.Source.Replace("\"", "'")}\"\n");
        if (c.LaunchOverheadSeconds is double l) w.Append($"launch_overhead: {(l * 1e6).ToString("0.###", Inv)} us\n");
        if (c.Memory is { } m) w.Append($"memory: {Curve(m)}\n");
        if (c.Gemm.Count > 0)
        {
            w.Append("gemm:\n");
            foreach (var (t, curve) in c.Gemm.OrderBy(p => p.Key)) w.Append($"  {t.Name()}: {Curve(curve)}\n");
        }
        if (c.IntraNodeLink is { } link)
            w.Append($"allreduce: {{link: {link.Name}, latency: {(link.LatencySeconds * 1e6).ToString("0.###", Inv)} us, bandwidth: {(link.BandwidthBytesPerSecond / 1e9).ToString("0.###", Inv)} GB/s}}   # fitted ring all-reduce alpha and beta\n");
        if (c.CrossValidation.Count > 0)
        {
            w.Append("cross_validation:   # k-fold median / p90 absolute % error on held-out rows\n");
            foreach (var (f, cv) in c.CrossValidation.OrderBy(p => p.Key, StringComparer.Ordinal))
                w.Append($"  {f}: {{rows: {cv.Rows}, before_median_abs_pct: {F(cv.BeforeMedianAbsPct)}, after_median_abs_pct: {F(cv.AfterMedianAbsPct)}, after_p90_abs_pct: {F(cv.AfterP90AbsPct)}}}\n");
        }
        if (c.ResidualBands.Count > 0)
        {
            w.Append("residual_bands:     # signed % error (predicted - measured) / measured, 10th and 90th percentile, held-out rows\n");
            foreach (var (f, (p10, p90)) in c.ResidualBands.OrderBy(p => p.Key, StringComparer.Ordinal))
                w.Append($"  {f}: {{p10: {F(p10)}, p90: {F(p90)}}}\n");
        }
        return w.ToString();
    }

    private static string F(double v) => double.IsNaN(v) ? ".nan" : v.ToString("0.###", Inv);

    private static string Curve(EfficiencyCurve c) =>
        $"{{max: {c.Max.ToString("0.#####", Inv)}, half_log10: {c.HalfLog10.ToString("0.#####", Inv)}, slope: {c.Slope.ToString("0.#####", Inv)}}}";

    /// <summary>Loads a calibration file; problems name the file, line and field.</summary>
    public static Loaded<Calibration> Load(string path)
    {
        var errors = new List<SpecError>();
        var text = SpecFiles.ReadText(path, errors);
        var r = text is null ? null : YamlFieldReader.Open(path, text, errors);
        if (r is null) return new Loaded<Calibration>(null, errors);
        string device = r.Str("device", required: true) ?? "";
        string source = r.Str("source") ?? path;
        double? launch = r.Quantity("launch_overhead", QuantityKind.Time, max: 1, allowZero: true);
        EfficiencyCurve? memory = r.Map("memory") is { } mm ? ReadCurve(mm) : null;
        var gemm = new Dictionary<DataType, EfficiencyCurve>();
        if (r.Map("gemm") is { } g)
        {
            foreach (var (key, _) in g.Keys())
                if (DataTypes.TryParse(key, out var t) && g.Map(key) is { } cm && ReadCurve(cm) is { } c) gemm[t] = c;
            g.Finish(); // anything that is not a data type is reported as an unknown field
        }
        var bands = new Dictionary<string, (double, double)>();
        if (r.Map("residual_bands") is { } rb)
        {
            foreach (var family in MeasuredCsv.Benchmarks)
                if (rb.Map(family) is { } fm)
                {
                    double? lo = fm.Number("p10", min: -1e6, max: 1e6), hi = fm.Number("p90", min: -1e6, max: 1e6);
                    fm.Finish();
                    if (lo is double a && hi is double b) bands[family] = (a, b);
                }
            rb.Finish();
        }
        Interconnect? link = null;
        if (r.Map("allreduce") is { } ar)
        {
            string? name = ar.Str("link", required: true);
            double? lat = ar.Quantity("latency", QuantityKind.Time, required: true, max: 1, allowZero: true);
            double? bw = ar.Quantity("bandwidth", QuantityKind.Bandwidth, required: true, max: 1e15);
            ar.Finish();
            if (name is not null && lat is double l && bw is double b)
                link = new Interconnect(name, name + " (calibrated)", b, l, Topology.Switch, "calibration " + path);
        }
        var cv = new Dictionary<string, CrossValidation>();
        if (r.Map("cross_validation") is { } cvm)
        {
            foreach (var family in MeasuredCsv.Benchmarks)
                if (cvm.Map(family) is { } fm)
                {
                    long? rows = fm.Int("rows", min: 0);
                    double? b = fm.Number("before_median_abs_pct", min: 0, max: 1e9), a = fm.Number("after_median_abs_pct", min: 0, max: 1e9), a90 = fm.Number("after_p90_abs_pct", min: 0, max: 1e9);
                    fm.Finish();
                    if (rows is long n && b is double bb && a is double aa) cv[family] = new CrossValidation((int)n, bb, aa, a90 ?? double.NaN);
                }
            cvm.Finish();
        }
        r.Finish();
        if (errors.Count > 0) return new Loaded<Calibration>(null, errors);
        return new Loaded<Calibration>(new Calibration(device, source, launch, gemm, memory, cv, bands) { IntraNodeLink = link }, errors);
    }

    private static EfficiencyCurve? ReadCurve(YamlFieldReader m)
    {
        double? max = m.Number("max", required: true, min: 0.001, max: 1.0);
        double? half = m.Number("half_log10", required: true, min: -10, max: 30);
        double? slope = m.Number("slope", required: true, min: 0, max: 1000);
        m.Finish();
        return max is double a && half is double h && slope is double s ? new EfficiencyCurve(a, h, s) : null;
    }

    /// <summary>A device with its own calibration applied (fitted curves, launch overhead), else its constant efficiencies. Reads the file each call; code that resolves many devices should own a <see cref="DeviceResolver"/>.</summary>
    public static (HardwareProfile Device, IEfficiencyModel Efficiency) Calibrated(HardwareProfile device)
    {
        var r = new DeviceResolver(null).ResolveCluster(new ClusterSpec(device.Name, device.DisplayName, device.Source, device, 1, 1, null, null));
        return (r.Device, r.Efficiency);
    }

    /// <summary>A cluster with its device's calibrated intra-node link, where the calibration fitted one (the device itself is not changed).</summary>
    public static ClusterSpec Calibrated(ClusterSpec cluster) => new DeviceResolver(null).ResolveCluster(cluster).Cluster with { Device = cluster.Device };

    /// <summary>A cluster with its intra-node link replaced by the calibrated one, where the calibration has it.</summary>
    public static ClusterSpec Apply(ClusterSpec cluster, Calibration c) =>
        c.IntraNodeLink is { } link && cluster.IntraNode is not null ? cluster with { IntraNode = link with { Topology = cluster.IntraNode.Topology } } : cluster;

    /// <summary>The efficiency model and launch overhead a calibration gives a device.</summary>
    public static (HardwareProfile Device, IEfficiencyModel Efficiency) Apply(HardwareProfile device, Calibration c)
    {
        var dev = c.LaunchOverheadSeconds is double l ? device with { LaunchOverheadSeconds = l } : device;
        return (dev, new CurveEfficiency(c.Gemm, c.Memory, ConstantEfficiency.For(device), Describe(device, c)));
    }

    /// <summary>
    /// What a calibration changes, in words: the fitted parts it holds and, for everything else, the constants still in
    /// force ("gpu defaults (compute 0.75, memory 0.85); calibrated: all-reduce link (llmsim calibrate ...)").
    /// </summary>
    public static string Describe(HardwareProfile device, Calibration c)
    {
        var parts = new List<string>();
        if (c.LaunchOverheadSeconds is not null) parts.Add("launch overhead");
        if (c.Memory is not null) parts.Add("memory curve");
        parts.AddRange(c.Gemm.Keys.Order().Select(t => $"gemm {t.Name()} curve"));
        if (c.IntraNodeLink is not null) parts.Add("all-reduce link");
        bool allCurves = c.Memory is not null && device.PeakOpsPerSecond.Keys.All(c.Gemm.ContainsKey);
        string rest = allCurves ? "" : ConstantEfficiency.For(device).Description + "; ";
        return $"{rest}calibrated: {(parts.Count == 0 ? "nothing" : string.Join(", ", parts))} ({c.Source})";
    }
}
