using System.CommandLine;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Commands;

/// <summary><c>llmsim hardware list|show</c>.</summary>
public static class HardwareCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("hardware", "List and inspect hardware profiles (GPUs, FPGAs, NPUs, CPUs), interconnects and clusters");

        var list = new Command("list", "List the hardware profiles");
        var listFormat = CommonOptions.Format();
        var kindOpt = Opt.Choice<DeviceKind?>("--kind", "Only this kind of device", null, ("all", null), ("gpu", DeviceKind.Gpu), ("fpga", DeviceKind.Fpga), ("npu", DeviceKind.Npu), ("tpu", DeviceKind.Tpu), ("cpu", DeviceKind.Cpu));
        list.Options.Add(listFormat);
        list.Options.Add(kindOpt);
        list.SetAction(r => List(ctx, ctx.Library(r), r.GetValue(listFormat), r.GetValue(kindOpt)));
        cmd.Subcommands.Add(list);

        var show = new Command("show", "Show one hardware profile, interconnect or cluster");
        var name = new Argument<string>("name") { Description = "Profile name (case-insensitive) or path to a YAML file" };
        var showFormat = CommonOptions.Format();
        show.Arguments.Add(name);
        show.Options.Add(showFormat);
        show.SetAction(r => Show(ctx, ctx.Library(r), r.GetValue(name)!, r.GetValue(showFormat)));
        cmd.Subcommands.Add(show);
        return cmd;
    }

    /// <summary>A peak in FLOP/s for floating-point types, in OP/s (TOPS) for integer types, as datasheets write them.</summary>
    private static string Peak(HardwareProfile h, DataType t) => h.PeakOpsPerSecond.TryGetValue(t, out var v) ? Ops(t, v) : "-";

    private static string Ops(DataType t, double v) => t is DataType.Int8 or DataType.Int4 ? F.Ops(v) : F.Flops(v);

    /// <summary>Device memory as datasheets state it: decimal gigabytes (80 GB), not GiB.</summary>
    private static string Memory(double bytes) => F.BytesDecimal(bytes);

    private static int List(CliContext ctx, SpecLibrary lib, OutputFormat format, DeviceKind? filter)
    {
        var table = new Table("name", "kind", "displayName", "memoryBytes", "bandwidthBytesPerSecond", "bf16FlopsPerSecond", "fp8FlopsPerSecond", "int8OpsPerSecond", "powerWatts", "hourlyUsd", "purchaseUsd", "priceKinds")
            .AlignRight("memoryBytes", "bandwidthBytesPerSecond", "bf16FlopsPerSecond", "fp8FlopsPerSecond", "int8OpsPerSecond", "powerWatts", "hourlyUsd", "purchaseUsd");
        var errors = new List<SpecError>();
        var rows = new List<HardwareListRow>();
        foreach (var n in lib.HardwareNames)
        {
            HardwareProfile h;
            try { h = lib.Hardware(n); }
            catch (SpecException e) { errors.AddRange(e.Errors); continue; }
            if (filter is { } f && h.Kind != f) continue;
            double Get(DataType t) => h.PeakOpsPerSecond.TryGetValue(t, out var v) ? v : double.NaN;
            rows.Add(new HardwareListRow(h.Name, h.Kind.ToString().ToLowerInvariant(), h.DisplayName, JsonOutput.N(h.MemoryCapacityBytes), JsonOutput.N(h.MemoryBandwidthBytesPerSecond),
                JsonOutput.N(Get(DataType.Bf16)), JsonOutput.N(Get(DataType.Fp8)), JsonOutput.N(Get(DataType.Int8)), JsonOutput.N(h.PowerWatts), JsonOutput.N(h.Price.HourlyUsd),
                JsonOutput.N(h.Price.PurchaseUsd), PriceKinds(h)));
            table.Add((h.Name, h.Name), (h.Kind.ToString().ToLowerInvariant(), h.Kind.ToString().ToLowerInvariant()), (h.DisplayName, h.DisplayName),
                (h.MainMemory.CapacityText ?? Memory(h.MemoryCapacityBytes), h.MemoryCapacityBytes), (F.Bandwidth(h.MemoryBandwidthBytesPerSecond), h.MemoryBandwidthBytesPerSecond),
                (Peak(h, DataType.Bf16), Get(DataType.Bf16)), (Peak(h, DataType.Fp8), Get(DataType.Fp8)), (Peak(h, DataType.Int8), Get(DataType.Int8)),
                ($"{h.PowerWatts:0} W", h.PowerWatts), (double.IsNaN(h.Price.HourlyUsd) ? "-" : $"{h.Price.HourlyUsd:0.00} USD/h", h.Price.HourlyUsd),
                (double.IsNaN(h.Price.PurchaseUsd) ? "-" : $"{h.Price.PurchaseUsd:N0} USD", h.Price.PurchaseUsd), (PriceKinds(h), PriceKinds(h)));
        }
        if (format == OutputFormat.Json) ctx.Out.Write(JsonOutput.Write(rows));
        else if (format == OutputFormat.Table)
        {
            ctx.Out.WriteLine($"{table.Count} hardware profiles in {lib.HardwareDir}");
            ctx.Out.Write(table.ToText());
            ctx.Out.WriteLine($"Interconnects: {string.Join(", ", lib.InterconnectNames)}");
            ctx.Out.WriteLine($"Clusters: {string.Join(", ", lib.ClusterNames)}");
        }
        else ctx.Write(table, format);
        return ctx.ReportLoadErrors(errors);
    }

    /// <summary>"hourly list 2026-09, purchase street 2023-08": how each price was obtained ("-" when none).</summary>
    private static string PriceKinds(HardwareProfile h)
    {
        var parts = new List<string>();
        if (h.Price.Hourly is { } hq) parts.Add("hourly " + hq.Provenance);
        if (h.Price.Purchase is { } pq) parts.Add("purchase " + pq.Provenance);
        return parts.Count == 0 ? "-" : string.Join(", ", parts);
    }


    private static int Show(CliContext ctx, SpecLibrary lib, string name, OutputFormat format)
    {
        if (lib.InterconnectNames.Contains(name, StringComparer.OrdinalIgnoreCase) || name.Replace('\\', '/').Contains("interconnects/"))
            return ShowLink(ctx, lib.Interconnect(name), format);
        if (lib.IsCluster(name))
            return ShowCluster(ctx, lib.Cluster(name), format);
        var h = lib.Hardware(name);
        if (format == OutputFormat.Json)
        {
            var peaks = new Dictionary<string, double?>(StringComparer.Ordinal);
            foreach (var (type, v) in h.PeakOpsPerSecond.OrderBy(p => p.Key)) peaks[type.Name()] = JsonOutput.N(v);
            ctx.Out.Write(JsonOutput.Write(new HardwareShowOutput(h.Name, h.DisplayName, h.Kind.ToString().ToLowerInvariant(), h.Vendor, peaks,
                h.Memory.Select(m => new MemoryLevelOutput(m.Name, m.CapacityBytes, JsonOutput.N(m.BandwidthBytesPerSecond))).ToList(),
                new LinksOutput(h.Interconnects.IntraNode, h.Interconnects.InterNode, h.Interconnects.Host), h.PowerWatts, JsonOutput.N(h.IdlePowerWatts),
                JsonOutput.N(h.Price.PurchaseUsd), Quote(h.Price.Purchase), JsonOutput.N(h.Price.HourlyUsd), Quote(h.Price.Hourly), h.LaunchOverheadSeconds,
                JsonOutput.N(h.PeakOpsPerSecond.TryGetValue(DataType.Bf16, out var bf) ? bf / h.MemoryBandwidthBytesPerSecond : double.NaN), h.Source)));
            return 0;
        }
        var t = new Table("field", "value");
        t.Add(("name", "name"), (h.Name, h.Name));
        t.Add(("display name", "displayName"), (h.DisplayName, h.DisplayName));
        t.Add(("kind", "kind"), (h.Kind.ToString().ToLowerInvariant(), h.Kind.ToString().ToLowerInvariant()));
        t.Add(("vendor", "vendor"), (h.Vendor, h.Vendor));
        foreach (var (type, v) in h.PeakOpsPerSecond.OrderBy(p => p.Key))
            t.Add(($"peak {type.Name()}", $"peak.{type.Name()}"), (Ops(type, v), v));
        foreach (var m in h.Memory)
            t.Add(($"memory {m.Name}", $"memory.{m.Name}"), ($"{m.CapacityText ?? Memory(m.CapacityBytes)} at {(double.IsNaN(m.BandwidthBytesPerSecond) ? "?" : F.Bandwidth(m.BandwidthBytesPerSecond))}", m.CapacityBytes));
        if (h.PeakOpsPerSecond.TryGetValue(DataType.Bf16, out var b))
            t.Add(("ridge point (bf16)", "ridge"), ($"{b / h.MemoryBandwidthBytesPerSecond:0} FLOP/byte", b / h.MemoryBandwidthBytesPerSecond));
        t.Add(("links", "links"), ($"intra {h.Interconnects.IntraNode ?? "-"}, inter {h.Interconnects.InterNode ?? "-"}, host {h.Interconnects.Host ?? "-"}", null));
        t.Add(("power", "power"), ($"{h.PowerWatts:0} W" + (double.IsNaN(h.IdlePowerWatts) ? "" : $" (idle {h.IdlePowerWatts:0} W)"), h.PowerWatts));
        t.Add(("purchase price", "price.purchase"), (QuoteText(h.Price.Purchase, q => $"{q.Usd:N0} USD"), h.Price.PurchaseUsd));
        t.Add(("hourly price", "price.hourly"), (QuoteText(h.Price.Hourly, q => $"{q.Usd:0.00} USD/h"), h.Price.HourlyUsd));
        t.Add(("launch overhead", "launch"), (F.Seconds(h.LaunchOverheadSeconds), h.LaunchOverheadSeconds));
        t.Add(("source", "source"), (h.Source, h.Source));
        if (format == OutputFormat.Csv) ctx.Write(t, format);
        else ctx.Out.Write(t.ToText());
        return 0;
    }

    private static PriceQuoteOutput? Quote(PriceQuote? q) => q is null ? null : new PriceQuoteOutput(q.Usd, q.Kind.ToString().ToLowerInvariant(), q.Date, q.Source);

    private static string QuoteText(PriceQuote? q, Func<PriceQuote, string> figure) =>
        q is null ? "- (no public figure; give one with plan --price / --purchase-price)" : $"{figure(q)} ({q.Provenance}{(q.Source is null ? "" : "; " + q.Source)})";

    private static int ShowLink(CliContext ctx, Interconnect ic, OutputFormat format)
    {
        if (format == OutputFormat.Json)
        {
            ctx.Out.Write(JsonOutput.Write(new InterconnectShowOutput(ic.Name, ic.DisplayName, ic.BandwidthBytesPerSecond, ic.LatencySeconds, ic.Topology.ToString().ToLowerInvariant(), ic.Source)));
            return 0;
        }
        ctx.Out.WriteLine($"{ic.Name}: {ic.DisplayName}\n  bandwidth {F.Bandwidth(ic.BandwidthBytesPerSecond)} per direction, latency {F.Seconds(ic.LatencySeconds)}, topology {ic.Topology.ToString().ToLowerInvariant()}\n  source: {ic.Source}");
        return 0;
    }

    private static int ShowCluster(CliContext ctx, ClusterSpec c, OutputFormat format)
    {
        if (format == OutputFormat.Json)
        {
            ctx.Out.Write(JsonOutput.Write(new ClusterShowOutput(c.Name, c.DisplayName, c.Device.Name, c.Nodes, c.DevicesPerNode, c.TotalDevices, c.IntraNode?.Name, c.InterNode?.Name, c.Source)));
            return 0;
        }
        ctx.Out.WriteLine($"{c.Name}: {c.DisplayName}\n  {c.Nodes} node(s) x {c.DevicesPerNode} x {c.Device.Name}\n  intra-node {c.IntraNode?.Name ?? "-"}, inter-node {c.InterNode?.Name ?? "-"}\n  source: {c.Source}");
        return 0;
    }
}
