using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Validation;

/// <summary>A device ready for the cost model: its profile (calibrated launch overhead), efficiency model, cluster with calibrated links, and the calibration used.</summary>
public sealed record ResolvedDevice(HardwareProfile Device, IEfficiencyModel Efficiency, ClusterSpec Cluster, Calibration? Calibration, string? CalibrationFile);

/// <summary>
/// The one place "device + calibration → device, efficiency model, links" is composed. Owned by its caller (one per
/// command, notebook or test), it loads each calibration file once and remembers which it applied, so outputs can say
/// so. A calibration given explicitly (validate --calibration) takes the place of the one the profile references;
/// with <c>noCalibration</c> every device uses its profile's constants.
/// </summary>
public sealed class DeviceResolver
{
    private readonly SpecLibrary? _library;
    private readonly IReadOnlyDictionary<string, (Calibration Calibration, string File)> _explicit;
    private readonly bool _none;
    private readonly Dictionary<string, Calibration> _loaded = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _applied = new(StringComparer.Ordinal);

    /// <param name="library">Finds each device's default cluster (null: a single device on no links).</param>
    /// <param name="explicitCalibrations">Calibrations by device name, used instead of the profiles' own.</param>
    /// <param name="noCalibration">Ignore every calibration: datasheet constants only.</param>
    public DeviceResolver(SpecLibrary? library, IReadOnlyDictionary<string, (Calibration Calibration, string File)>? explicitCalibrations = null, bool noCalibration = false)
    {
        _library = library;
        _explicit = explicitCalibrations ?? new Dictionary<string, (Calibration, string)>();
        _none = noCalibration;
    }

    /// <summary>Calibration files applied so far (sorted paths), for outputs to list.</summary>
    public IReadOnlyCollection<string> AppliedFiles => _applied;

    /// <summary>The calibration in force for a device (explicit, else the profile's), or null.</summary>
    public (Calibration Calibration, string File)? CalibrationOf(HardwareProfile device)
    {
        if (_none) return null;
        if (_explicit.TryGetValue(device.Name, out var e)) return e;
        if (device.CalibrationPath is not { } path) return null;
        string full = Path.GetFullPath(path);
        if (!_loaded.TryGetValue(full, out var c)) _loaded[full] = c = Validation.CalibrationFile.Load(full).OrThrow();
        return (c, full);
    }

    /// <summary>A device on its default cluster (the first shipped cluster of it, else one node), calibrated.</summary>
    public ResolvedDevice Resolve(HardwareProfile device, int devicesPerNode = 8)
    {
        var cluster = _library?.DefaultCluster(device, devicesPerNode)
            ?? new ClusterSpec(device.Name + "-single", device.DisplayName, device.Source, device, 1, 1, null, null);
        return ResolveCluster(cluster);
    }

    /// <summary>A cluster with its device calibrated and its intra-node link replaced by the fitted one where the calibration has it.</summary>
    public ResolvedDevice ResolveCluster(ClusterSpec cluster)
    {
        var raw = cluster.Device;
        if (CalibrationOf(raw) is not { } found)
            return new ResolvedDevice(raw, ConstantEfficiency.For(raw), cluster, null, null);
        _applied.Add(found.File);
        var (device, efficiency) = Validation.CalibrationFile.Apply(raw, found.Calibration);
        var calibrated = Validation.CalibrationFile.Apply(cluster, found.Calibration) with { Device = device };
        return new ResolvedDevice(device, efficiency, calibrated, found.Calibration, found.File);
    }

    /// <summary>
    /// Error band of a benchmark family from the device's calibration: the 10th and 90th percentile of the signed
    /// held-out error, or null when the device has no calibration or the family was not measured.
    /// </summary>
    public (double P10, double P90)? Band(HardwareProfile device, BenchmarkFamily family) =>
        CalibrationOf(device) is { } c && c.Calibration.ResidualBands.TryGetValue(family.Name(), out var b) ? b : null;

    /// <summary>
    /// A predictor that costs every row with this resolver's devices, efficiencies and calibrated links (what
    /// <c>validate</c> and the report's validation section compare against).
    /// </summary>
    public Predictor NewPredictor(IReadOnlyDictionary<string, string>? deviceMap = null) =>
        new(_library ?? throw new InvalidOperationException("a predictor needs the resolver's spec library"), d => { var x = ResolveCluster(new ClusterSpec(d.Name, d.DisplayName, d.Source, d, 1, 1, null, null)); return (x.Device, x.Efficiency); }, deviceMap)
        {
            AdjustCluster = cl => ResolveCluster(cl).Cluster with { Device = cl.Device },
        };

    /// <summary>
    /// What the measured rows say about one device under this resolver: its calibration (if any), how many rows name it,
    /// and the error per benchmark family.
    /// </summary>
    public DeviceValidation ValidationOf(HardwareProfile device, IEnumerable<MeasuredRow> measured, Predictor predictor)
    {
        var mine = measured.Where(m => string.Equals(Predictor.ProfileName(m.Device), device.Name, StringComparison.OrdinalIgnoreCase)).ToList();
        return new DeviceValidation(device, CalibrationOf(device)?.Calibration, mine.Count, ErrorStats.Summarize(mine.Select(predictor.Compare)));
    }
}

/// <summary>One device's validation status: its calibration (null: datasheet constants), its measured rows and their error per family.</summary>
public sealed record DeviceValidation(HardwareProfile Device, Calibration? Calibration, int Rows, IReadOnlyList<FamilySummary> Summary);
