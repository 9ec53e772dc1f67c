using System.CommandLine;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Core.Specs;
using Simulator.Plotting;
using Simulator.Roofline;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Commands;

/// <summary><c>llmsim roofline</c>: per-operator FLOPs, bytes, intensity, bound and time for one step.</summary>
public static class RooflineCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("roofline", "Per-operator roofline analysis of one prefill or decode step (figures per device, summed over all layers)");
        var dep = new DeploymentOptions();
        dep.AddTo(cmd);
        var phase = Opt.Choice("--phase", "The step to analyse", "decode", ("prefill", "prefill"), ("decode", "decode"));
        var batch = Opt.Int("--batch", "Requests in the step", 1, 1_000_000, 1, "-b");
        var seq = Opt.Int("--seq", "Prefill: new tokens per request. Decode: tokens already in each request's KV cache", 1, PlanOptions.MaxTokens, 1024, "-s");
        var context = Opt.Int("--context", "Prefill only: tokens already cached before this chunk (chunked prefill)", 0, PlanOptions.MaxTokens, 0);
        var format = CommonOptions.Format();
        var plot = CommonOptions.Plot("Write a roofline chart (.png or .svg)");
        var compare = new Option<string?>("--compare") { Description = "With --plot: comma-separated hardware profiles to overlay on the chart" };
        foreach (var o in new Option[] { phase, batch, seq, context, format, plot, compare }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            var lib = ctx.Library(r);
            string? plotPath = CommonOptions.CheckPlotPath(r.GetValue(plot));
            var d = dep.Resolve(r, lib, ctx.Devices);
            string ph = r.GetValue(phase)!;
            int b = r.GetValue(batch), s = r.GetValue(seq), c = r.GetValue(context);
            if (ph == "decode" && r.GetResult(context) is { Implicit: false }) throw new CliException("--context applies to --phase prefill (decode: --seq is the context)");
            int window = d.Model.MaxPositionEmbeddings;
            if (window > 0 && (long)s + c > window) throw new CliException($"--seq + --context ({s:N0} + {c:N0} tokens) exceed {d.Model.Name}'s context window of {window:N0} tokens");
            // Compared devices are resolved before anything is printed, so a wrong name is an error, never dropped.
            var others = new List<Deployment>();
            if (r.GetValue(compare) is { } list)
            {
                if (plotPath is null) throw new CliException("--compare overlays devices on the chart; give --plot FILE.png too");
                foreach (var name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    others.Add(dep.Resolve(r, lib, ctx.Devices, name));
                if (others.Count == 0) throw new CliException("--compare lists no hardware");
            }
            var shape = Shape(d, ph, b, s, c);
            var cost = new CostModel(d);
            var ops = cost.Operators(shape).ToArray();
            Render(ctx, d, ph, b, s, c, ops, r.GetValue(format));
            if (plotPath is not null)
            {
                // Both phases go on the chart so prefill and decode can be told apart: prefill of --seq new tokens,
                // decode with --seq tokens of context, both at --batch requests.
                var devices = new List<Core.Specs.HardwareProfile> { d.Device };
                var points = new List<RooflinePoint>();
                // One marker shape per phase, one colour per device (the colour of its roofs).
                void AddPoints(Deployment dep2)
                {
                    var cm = new CostModel(dep2);
                    points.AddRange(RooflineChart.Points(cm.Operators(Shape(dep2, "prefill", b, s, c)), $"prefill {s} tokens x {b}", dep2.Device.Name));
                    points.AddRange(RooflineChart.Points(cm.Operators(Shape(dep2, "decode", b, s, 0)), $"decode at context {s} x {b}", dep2.Device.Name));
                }
                AddPoints(d);
                foreach (var other in others)
                {
                    devices.Add(other.Device);
                    AddPoints(other);
                }
                var chart = RooflineChart.Build(devices, points, $"{d.Model.Name} on {string.Join(" vs ", devices.Select(x => x.Name))} ({d.Quant.Name}, KV {d.Quant.KvCacheName}, TP{d.Parallelism.Tp})");
                ChartOutput.Save(chart, plotPath);
                ctx.Err.WriteLine($"wrote {plotPath}");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>Saves a chart (kept for callers; see <see cref="ChartOutput.Save"/>).</summary>
    internal static void Save(ScottPlot.Plot chart, string path) => ChartOutput.Save(chart, path);

    internal static BatchShape Shape(Deployment d, string phase, int batch, int seq, int context)
    {
        var shape = BatchShape.For(d.Model);
        if (phase == "decode") shape.AddDecode(seq, batch);
        else for (int i = 0; i < batch; i++) shape.AddPrefill(seq, context);
        return shape;
    }

    private static string BoundWord(OperatorCost o) => o.RooflineBound == Bound.Compute ? "compute" : o.RooflineBound == Bound.Memory ? "memory" : "communication";

    private static void Render(CliContext ctx, Deployment d, string phase, int batch, int seq, int context, OperatorCost[] ops, OutputFormat format)
    {
        double flops = 0, bytes = 0, seconds = 0, overhead = 0;
        foreach (var o in ops) { flops += o.Flops * o.Layers; bytes += o.Bytes * o.Layers; seconds += o.TotalSeconds; overhead += o.OverheadSeconds * o.Layers; }
        var table = new Table("name", "kind", "layers", "flops", "bytes", "weightBytes", "activationBytes", "kvReadBytes", "kvWriteBytes", "intensity", "bound", "computeSeconds", "memorySeconds", "overheadSeconds", "seconds", "dtype")
            .AlignRight("layers", "flops", "bytes", "weightBytes", "activationBytes", "kvReadBytes", "kvWriteBytes", "intensity", "computeSeconds", "memorySeconds", "overheadSeconds", "seconds");
        var comm = new Table("name", "layers", "networkBytes", "seconds").AlignRight("layers", "networkBytes", "seconds");
        foreach (var o in ops)
        {
            int L = o.Layers;
            if (o.Kind == OpKind.Communication)
            {
                comm.Add((o.Name, o.Name), (L.ToString(), L), (F.Bytes(o.NetworkBytes * L), o.NetworkBytes * L), (F.Seconds(o.TotalSeconds), o.TotalSeconds));
                continue;
            }
            table.Add((o.Name, o.Name), (o.Kind.ToString().ToLowerInvariant(), o.Kind.ToString().ToLowerInvariant()), (L.ToString(), L),
                (F.FlopCount(o.Flops * L), o.Flops * L), (F.Bytes(o.Bytes * L), o.Bytes * L), (F.Bytes(o.WeightBytes * L), o.WeightBytes * L),
                (F.Bytes(o.ActivationBytes * L), o.ActivationBytes * L), (F.Bytes(o.KvReadBytes * L), o.KvReadBytes * L), (F.Bytes(o.KvWriteBytes * L), o.KvWriteBytes * L),
                (double.IsInfinity(o.Intensity) ? "inf" : o.Intensity.ToString("0.##"), double.IsInfinity(o.Intensity) ? (object?)null : o.Intensity), (BoundWord(o), BoundWord(o)),
                (F.Seconds(o.ComputeSeconds * L), o.ComputeSeconds * L), (F.Seconds(o.MemorySeconds * L), o.MemorySeconds * L), (F.Seconds(o.OverheadSeconds * L), o.OverheadSeconds * L),
                (F.Seconds(o.TotalSeconds), o.TotalSeconds), (o.ComputeType.Name(), o.ComputeType.Name()));
        }
        if (format == OutputFormat.Json)
        {
            static double? N(double v) => JsonOutput.N(v);
            var operators = ops.Where(o => o.Kind != OpKind.Communication).Select(o =>
            {
                int L = o.Layers;
                return new RooflineOperator(o.Name, o.Kind.ToString().ToLowerInvariant(), L, N(o.Flops * L), N(o.Bytes * L), N(o.WeightBytes * L), N(o.ActivationBytes * L),
                    N(o.KvReadBytes * L), N(o.KvWriteBytes * L), N(o.Intensity), BoundWord(o), N(o.ComputeSeconds * L), N(o.MemorySeconds * L), N(o.OverheadSeconds * L),
                    N(o.TotalSeconds), o.ComputeType.Name());
            }).ToList();
            var communication = ops.Where(o => o.Kind == OpKind.Communication).Select(o => new RooflineCommunication(o.Name, o.Layers, N(o.NetworkBytes * o.Layers), N(o.TotalSeconds))).ToList();
            ctx.Out.Write(JsonOutput.Write(new RooflineOutput(d.Model.Name, d.Device.Name, d.Quant.Name, d.Quant.KvCacheName, d.Parallelism.Tp, phase, batch, seq, context,
                d.FlashAttention, true, d.Efficiency.Description, [.. d.Notes], operators, communication, new RooflineTotals(flops, bytes, seconds, overhead, flops / bytes))
                { Dp = d.Parallelism.Dp > 1 ? d.Parallelism.Dp : null, Ep = d.Parallelism.Dp > 1 ? d.Parallelism.Ep : null }));
            return;
        }
        if (format == OutputFormat.Csv) { ctx.Write(table, format); return; }
        string par = d.Parallelism.Dp > 1 ? $"DP{d.Parallelism.Dp} TP{d.Parallelism.Tp} EP{d.Parallelism.Ep}, busiest rank" : $"TP{d.Parallelism.Tp}";
        ctx.Out.WriteLine($"{d.Model.Name} {phase} on {d.Device.Name} ({d.Quant.Name}, KV {d.Quant.KvCacheName}, {par}, {(d.FlashAttention ? "flash attention" : "unfused attention")}): batch {batch}, " +
            (phase == "decode" ? $"{seq} tokens of context" : $"{seq} new tokens per request after {context} cached"));
        ctx.Out.WriteLine($"Per device, summed over layers. Efficiency: {d.Efficiency.Description}; launch overhead {F.Seconds(d.Device.LaunchOverheadSeconds)} per operator.");
        foreach (var n in d.Notes) ctx.Out.WriteLine("note: " + n);
        var brief = new Table("operator", "layers", "FLOPs", "bytes", "FLOP/B", "bound", "compute", "memory", "overhead", "time").AlignRight("layers", "FLOPs", "bytes", "FLOP/B", "compute", "memory", "overhead", "time");
        foreach (var o in ops.Where(o => o.Kind != OpKind.Communication))
            brief.Add((o.Name, null), (o.Layers.ToString(), null), (F.FlopCount(o.Flops * o.Layers), null), (F.Bytes(o.Bytes * o.Layers), null),
                (double.IsInfinity(o.Intensity) ? "inf" : o.Intensity.ToString("0.#"), null), (BoundWord(o), null), (F.Seconds(o.ComputeSeconds * o.Layers), null),
                (F.Seconds(o.MemorySeconds * o.Layers), null), (F.Seconds(o.OverheadSeconds * o.Layers), null), (F.Seconds(o.TotalSeconds), null));
        ctx.Out.Write(brief.ToText());
        if (comm.Count > 0) { ctx.Out.WriteLine("communication:"); ctx.Out.Write(comm.ToText()); }
        ctx.Out.WriteLine($"total: {F.FlopCount(flops)}, {F.Bytes(bytes)} ({flops / bytes:0.#} FLOP/byte), {F.Seconds(seconds)} of which launch overhead {F.Seconds(overhead)}");
    }
}
