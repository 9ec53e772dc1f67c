using Simulator.Core.Specs;
using Simulator.Core.Units;
using static Simulator.Core.Loading.QuantityChecks;

namespace Simulator.Core.Loading;

/// <summary>Reads hardware profiles, interconnects and clusters from YAML (format: docs/FORMATS.md).</summary>
public static class HardwareReader
{
    /// <summary>Reads a device profile. <paramref name="fileDir"/> resolves a relative calibration path.</summary>
    public static HardwareProfile? ReadProfile(YamlFieldReader r, string fileDir, List<SpecError> errors)
    {
        int before = errors.Count;
        string? name = r.Str("name", required: true);
        string? display = r.Str("display_name", required: true);
        string? kindText = r.Str("kind", required: true);
        string? vendor = r.Str("vendor", required: true);
        string? source = r.Str("source", required: true);
        DeviceKind kind = DeviceKind.Gpu;
        if (kindText is not null && !Enum.TryParse(kindText, ignoreCase: true, out kind))
            r.Error("kind", $"expected gpu, fpga, npu, tpu or cpu, got '{kindText}'");

        var peaks = new Dictionary<DataType, double>();
        var peakReader = r.Map("peak", required: true);
        if (peakReader is not null)
        {
            foreach (var (key, value, line) in peakReader.Entries())
            {
                if (!DataTypes.TryParse(key, out var type))
                {
                    peakReader.ErrorAt(key, line, $"unknown data type.{NameMatcher.Suggest(key, DataTypes.CanonicalNames)} Expected one of: {string.Join(", ", DataTypes.CanonicalNames)}");
                    continue;
                }
                if (Check(peakReader, key, value ?? "", QuantityKind.Throughput, MaxThroughput, allowZero: false) is double v)
                    peaks[type] = v;
            }
            if (peaks.Count == 0 && errors.Count == before)
                r.Error("peak", "must give the dense peak of at least one data type");
        }

        var levels = new List<MemoryLevel>();
        var memory = r.MapList("memory", required: true);
        for (int i = 0; i < memory.Count; i++)
        {
            var m = memory[i];
            bool main = i == memory.Count - 1;
            string levelName = m.Str("name", required: true) ?? "";
            double? cap = m.Quantity("capacity", QuantityKind.Bytes, required: true, max: MaxBytes);
            double? bw = m.Quantity("bandwidth", QuantityKind.Bandwidth, required: main, max: MaxBandwidth);
            m.Finish();
            if (cap is double c) levels.Add(new MemoryLevel(levelName, c, bw ?? double.NaN) { CapacityText = m.RawText("capacity") });
        }

        InterconnectRefs links = new(null, null, null);
        var linkLines = new Dictionary<string, int>();
        if (r.Map("interconnects") is { } ic)
        {
            links = new InterconnectRefs(ic.Str("intra_node"), ic.Str("inter_node"), ic.Str("host"));
            foreach (var k in new[] { "intra_node", "inter_node", "host" }) linkLines["interconnects." + k] = ic.LineOfKey(k);
            ic.Finish();
        }
        double? power = r.Quantity("power", QuantityKind.Power, required: true, max: MaxPower);
        double? idle = r.Quantity("idle_power", QuantityKind.Power, max: MaxPower, allowZero: true);
        Price price = new(double.NaN, double.NaN);
        if (r.Map("price") is { } p)
        {
            price = Price.Of(ReadQuote(p, "purchase", QuantityKind.Money, MaxPurchase), ReadQuote(p, "hourly", QuantityKind.MoneyPerHour, MaxHourly));
            p.Finish();
        }
        double? launch = r.Quantity("launch_overhead", QuantityKind.Time, required: true, max: MaxLatency, allowZero: true);
        Efficiency? eff = null;
        if (r.Map("efficiency") is { } e)
        {
            double? ce = e.Number("compute", min: 0.01, max: 1.0);
            double? me = e.Number("memory", min: 0.01, max: 1.0);
            e.Finish();
            eff = new Efficiency(ce ?? double.NaN, me ?? double.NaN);
        }
        string? calibration = r.Str("calibration");
        string? notes = r.Str("notes");
        r.Finish();

        if (idle is double iw && power is double pw && iw > pw)
            r.Error("idle_power", $"idle power {iw} W exceeds the board power {pw} W");
        if (errors.Count > before) return null;
        return new HardwareProfile
        {
            Name = name!,
            DisplayName = display!,
            Kind = kind,
            Vendor = vendor!,
            Source = source!,
            PeakOpsPerSecond = peaks,
            Memory = levels,
            Interconnects = links,
            FieldLines = linkLines,
            PowerWatts = power!.Value,
            IdlePowerWatts = idle ?? double.NaN,
            Price = price,
            LaunchOverheadSeconds = launch!.Value,
            Efficiency = eff,
            CalibrationPath = calibration is null ? null : Path.GetFullPath(Path.Combine(fileDir, calibration)),
            Notes = notes,
            FilePath = r.File,
        };
    }

    /// <summary>
    /// A price: either a bare quantity (<c>purchase: 25000 USD</c>, kind unstated) or a mapping with its provenance
    /// (<c>purchase: {value: 25000 USD, kind: street, date: 2024-06, source: "..."}</c>).
    /// </summary>
    private static PriceQuote? ReadQuote(YamlFieldReader p, string key, QuantityKind kind, double max)
    {
        if (p.IsMap(key))
        {
            var m = p.Map(key)!;
            double? v = m.Quantity("value", kind, required: true, max: max);
            string? kindText = m.Str("kind", required: true);
            string? date = m.Str("date", required: true);
            string? source = m.Str("source", required: true);
            m.Finish();
            var pk = PriceKind.Unstated;
            if (kindText is not null && !(Enum.TryParse(kindText, ignoreCase: true, out pk) && pk is PriceKind.List or PriceKind.Street or PriceKind.Assumption))
                m.Error("kind", $"expected list, street or assumption, got '{kindText}'");
            if (date is not null && !System.Text.RegularExpressions.Regex.IsMatch(date, @"^(19|20)\d\d(-(0[1-9]|1[0-2]))?(-\d\d)?$"))
                m.Error("date", $"expected a date such as 2025-01, got '{date}'");
            return v is double usd ? new PriceQuote(usd, pk, date, source) : null;
        }
        return p.Quantity(key, kind, max: max) is double x ? new PriceQuote(x, PriceKind.Unstated, null, null) : null;
    }

    /// <summary>Reads an interconnect (link) profile.</summary>
    public static Interconnect? ReadInterconnect(YamlFieldReader r, List<SpecError> errors)
    {
        int before = errors.Count;
        string? name = r.Str("name", required: true);
        string? display = r.Str("display_name") ?? name;
        string? source = r.Str("source", required: true);
        double? bw = r.Quantity("bandwidth", QuantityKind.Bandwidth, required: true, max: MaxBandwidth);
        double? latency = r.Quantity("latency", QuantityKind.Time, required: true, max: MaxLatency, allowZero: true);
        string? topoText = r.Str("topology", required: true);
        Topology topology = Topology.Switch;
        if (topoText is not null && !Enum.TryParse(topoText.Replace("-", ""), ignoreCase: true, out topology))
            r.Error("topology", $"expected switch, ring, mesh, point-to-point or fat-tree, got '{topoText}'");
        r.Ignore("notes", "kind");
        r.Finish();
        if (errors.Count > before) return null;
        return new Interconnect(name!, display!, bw!.Value, latency!.Value, topology, source!) { FilePath = r.File };
    }

    /// <summary>The fields of a cluster file, before the device and links are resolved by name.</summary>
    public sealed record ClusterFields(string Name, string DisplayName, string Source, string Device, int Nodes, int DevicesPerNode, string? IntraNode, string? InterNode, int DeviceLine, int IntraLine, int InterLine);

    /// <summary>Reads a cluster file's fields.</summary>
    public static ClusterFields? ReadCluster(YamlFieldReader r, List<SpecError> errors)
    {
        int before = errors.Count;
        string? name = r.Str("name", required: true);
        string? display = r.Str("display_name") ?? name;
        string? source = r.Str("source", required: true);
        string? device = r.Str("device", required: true);
        long? nodes = r.Int("nodes", required: true, max: 1_000_000);
        long? perNode = r.Int("devices_per_node", required: true, max: 4096);
        string? intra = r.Str("intra_node");
        string? inter = r.Str("inter_node");
        r.Ignore("notes");
        r.Finish();
        if (perNode > 1 && intra is null) r.Error("intra_node", "required when a node holds more than one device");
        if (nodes > 1 && inter is null) r.Error("inter_node", "required when the cluster has more than one node");
        if (errors.Count > before) return null;
        return new ClusterFields(name!, display!, source!, device!, (int)nodes!.Value, (int)perNode!.Value, intra, inter, r.Line, r.Line, r.Line);
    }
}
