using System.CommandLine;
using System.Globalization;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Validation;
using Simulator.Plotting;
using Simulator.Roofline;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Commands;

/// <summary><c>llmsim estimate</c>: latency, throughput and memory of a static batch, optionally swept.</summary>
public static class EstimateCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("estimate", "Estimate TTFT, TPOT, end-to-end latency, throughput and memory for a static batch");
        var dep = new DeploymentOptions();
        dep.AddTo(cmd);
        var batch = Opt.Int("--batch", "Requests in the batch", 1, 10_000_000, 1, "-b");
        var input = Opt.Int("--input", "Prompt tokens per request", 1, PlanOptions.MaxTokens, 1024, "-i");
        var output = Opt.Int("--output", "Generated tokens per request", 1, PlanOptions.MaxTokens, 256, "-o");
        var sweep = new Option<string?>("--sweep") { Description = "Vary one input: batch=1,2,4,8 or input=... or output=..." };
        var format = CommonOptions.Format();
        var plot = CommonOptions.Plot("With --sweep: chart of latency and throughput (.png or .svg)");
        var engineOpt = CommonOptions.Engine();
        foreach (var o in new Option[] { batch, input, output, sweep, format, plot, engineOpt }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            var lib = ctx.Library(r);
            string? plotPath = CommonOptions.CheckPlotPath(r.GetValue(plot));
            var engineProfile = ctx.Engine(r.GetValue(engineOpt));
            var d = dep.Resolve(r, lib, ctx.Devices, engine: engineProfile);
            var engine = engineProfile?.ForDevice(d.Device);
            var baseW = new Workload(r.GetValue(batch), r.GetValue(input), r.GetValue(output));
            var (param, values) = ParseSweep(r.GetValue(sweep));
            if (plotPath is not null && values.Count == 0) throw new CliException("--plot needs --sweep (a chart of one point says nothing)");
            var workloads = values.Count == 0 ? [baseW] : values.Select(v => param switch
            {
                "batch" => baseW with { Batch = v },
                "input" => baseW with { InputTokens = v },
                _ => baseW with { OutputTokens = v },
            }).ToList();
            int window = d.Model.MaxPositionEmbeddings;
            foreach (var w in workloads)
                if (window > 0 && (long)w.InputTokens + w.OutputTokens > window)
                    throw new CliException($"prompt + output ({w.InputTokens:N0} + {w.OutputTokens:N0} tokens) exceed {d.Model.Name}'s context window of {window:N0} tokens (max_position_embeddings)");
            var estimates = new List<Estimate>();
            foreach (var w in workloads)
            {
                try { estimates.Add(Estimator.Run(d, w, engine)); }
                catch (PlanException e) { throw new CliException(e.Message); }
            }
            Render(ctx, d, estimates, r.GetValue(format), param, engine, string.Join("; ", new[] { dep.EngineNote, dep.KvNote }.OfType<string>()) is { Length: > 0 } n ? n : null);
            if (plotPath is not null)
            {
                ChartOutput.Save(SweepChart.Build(estimates.Select(e => (double)(param == "batch" ? e.Workload.Batch : param == "input" ? e.Workload.InputTokens : e.Workload.OutputTokens)).ToArray(),
                    estimates.Select(e => e.TtftSeconds).ToArray(), estimates.Select(e => e.TpotSeconds).ToArray(), estimates.Select(e => e.TokensPerSecond).ToArray(),
                    param!, $"{d.Model.Name} on {d.Device.Name} ({d.Quant.Name}, KV {d.Quant.KvCacheName}, {d.Parallelism})"), plotPath);
                ctx.Err.WriteLine($"wrote {plotPath}");
            }
            return estimates.All(e => e.Fits) ? 0 : 3;
        });
        return cmd;
    }

    private static (string? Param, List<int> Values) ParseSweep(string? text)
    {
        if (text is null) return (null, []);
        var parts = text.Split('=', 2);
        if (parts.Length != 2 || parts[0] is not ("batch" or "input" or "output"))
            throw new CliException($"--sweep must look like batch=1,2,4 (or input=... / output=...), not '{text}'");
        var values = new List<int>();
        foreach (var v in parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > PlanOptions.MaxTokens)
                throw new CliException($"--sweep: '{v}' is not a whole number from 1 to {PlanOptions.MaxTokens:N0}");
            values.Add(n);
        }
        if (values.Count == 0) throw new CliException("--sweep lists no values");
        return (parts[0], values);
    }

    /// <summary>The typed output of one estimate (field names are part of the CLI's contract; schema docs/schemas/estimate.schema.json).</summary>
    public static EstimateOutput ToOutput(Estimate e, DeviceResolver devices)
    {
        var d = e.Deployment;
        // Bands: prefill rests on GEMMs (compute-bound), decode on streaming weights and KV (memory-bound).
        ErrorBand? ttftBand = null, tpotBand = null;
        if (devices.Band(d.Device, BenchmarkFamily.Gemm) is { } g)
        {
            var (lo, hi) = DeploymentOptions.Range(e.TtftSeconds, g);
            ttftBand = new ErrorBand(lo, hi, "gemm residuals (p10..p90)");
        }
        if ((devices.Band(d.Device, BenchmarkFamily.Membw) ?? devices.Band(d.Device, BenchmarkFamily.Gemm)) is { } m)
        {
            var (lo, hi) = DeploymentOptions.Range(e.TpotSeconds, m);
            tpotBand = new ErrorBand(lo, hi, "membw residuals (p10..p90), else gemm");
        }
        return new EstimateOutput(d.Model.Name, d.Device.Name, d.Quant.Name, d.Quant.KvCacheName, d.Parallelism.Tp, d.Parallelism.Pp, d.Parallelism.Ep, d.Devices,
            e.Workload.Batch, e.Workload.InputTokens, e.Workload.OutputTokens, e.TtftSeconds, e.TpotSeconds, e.E2eSeconds, e.TokensPerSecond, e.TokensPerSecondPerDevice,
            e.Mfu, e.Mbu, e.PrefillBound.ToString().ToLowerInvariant(), e.DecodeBound.ToString().ToLowerInvariant(), e.Memory.WeightBytes, e.KvCacheBytes, e.ActivationBytes,
            e.Memory.ReserveBytes, e.Memory.CapacityBytes, e.Fits, e.MaxBatchAtThisContext, d.Efficiency.Description, [.. d.Notes])
        {
            Dp = d.Parallelism.Dp > 1 ? d.Parallelism.Dp : null,
            ExpertImbalance = d.ExpertImbalance != 1 ? d.ExpertImbalance : null,
            RedundantExperts = d.Experts.RedundantExperts > 0 ? d.Experts.RedundantExperts : null,
            TtftBandSeconds = ttftBand,
            TpotBandSeconds = tpotBand,
        };
    }

    private static void Render(CliContext ctx, Deployment d, List<Estimate> estimates, OutputFormat format, string? param, Core.Specs.EngineProfile? engine, string? kvNote)
    {
        var devices = ctx.Devices;
        RenderWith(ctx, devices, d, estimates, format, param, engine, kvNote);
    }

    /// <summary>The output of one estimate with its engine: the profile's fields and notes, or "generic" without one.</summary>
    private static EstimateOutput ToOutput(Estimate e, DeviceResolver devices, Core.Specs.EngineProfile? engine, string? engineNotes = null)
    {
        var o = ToOutput(e, devices);
        return engine is null ? o with { Engine = EngineText.GenericName } : o with
        {
            Engine = engine.Name,
            KvMemoryRule = EngineText.MemoryRule(engine.Memory.Rule),
            KvMemoryFraction = e.Memory.KvFraction,
            // What the engine resolved (its KV type) or does not describe on this device, as the table's notes say.
            Notes = engineNotes is null ? o.Notes : [.. o.Notes, engineNotes],
        };
    }

    private static void RenderWith(CliContext ctx, DeviceResolver devices, Deployment d, List<Estimate> estimates, OutputFormat format, string? param, Core.Specs.EngineProfile? engine, string? kvNote)
    {
        if (format == OutputFormat.Json)
        {
            ctx.Out.Write(estimates.Count == 1 && param is null ? JsonOutput.Write(ToOutput(estimates[0], devices, engine, kvNote)) : JsonOutput.Write(estimates.Select(e => ToOutput(e, devices, engine, kvNote)).ToList()));
            return;
        }
        var t = new Table("batch", "input", "output", "ttftSeconds", "tpotSeconds", "e2eSeconds", "tokensPerSecond", "tokensPerSecondPerDevice", "mfu", "mbu", "weightBytesPerDevice", "kvCacheBytes", "fits", "maxBatch")
            .AlignRight("batch", "input", "output", "ttftSeconds", "tpotSeconds", "e2eSeconds", "tokensPerSecond", "tokensPerSecondPerDevice", "mfu", "mbu", "weightBytesPerDevice", "kvCacheBytes", "maxBatch");
        foreach (var e in estimates)
            t.Add((e.Workload.Batch.ToString(), e.Workload.Batch), (e.Workload.InputTokens.ToString(), e.Workload.InputTokens), (e.Workload.OutputTokens.ToString(), e.Workload.OutputTokens),
                (F.Seconds(e.TtftSeconds), e.TtftSeconds), (F.Seconds(e.TpotSeconds), e.TpotSeconds), (F.Seconds(e.E2eSeconds), e.E2eSeconds),
                (e.TokensPerSecond.ToString("0.#"), e.TokensPerSecond), (e.TokensPerSecondPerDevice.ToString("0.#"), e.TokensPerSecondPerDevice),
                (e.Mfu.ToString("P1"), e.Mfu), (e.Mbu.ToString("P1"), e.Mbu), (F.Bytes(e.Memory.WeightBytes), e.Memory.WeightBytes), (F.Bytes(e.KvCacheBytes), e.KvCacheBytes),
                (e.Fits ? "yes" : "NO", e.Fits), (e.MaxBatchAtThisContext.ToString(), e.MaxBatchAtThisContext));
        if (format == OutputFormat.Csv) { ctx.Write(t, format); return; }
        var first = estimates[0];
        ctx.Out.WriteLine($"{d.Model.Name} on {d.Devices} x {d.Device.Name} ({d.Quant.Name}, KV {d.Quant.KvCacheName}, {d.Parallelism}); efficiency: {d.Efficiency.Description}");
        if (engine is not null)
        {
            ctx.Out.WriteLine(EngineText.Summary(engine, d.Quant, offline: true));
            if (kvNote is not null) ctx.Out.WriteLine("note: " + kvNote);
        }
        else ctx.Out.WriteLine(EngineText.Generic);
        foreach (var n in d.Notes) ctx.Out.WriteLine("note: " + n);
        ctx.Out.WriteLine($"memory per device: {F.Bytes(first.Memory.CapacityBytes)} = weights {F.Bytes(first.Memory.WeightBytes)} + reserve {F.Bytes(first.Memory.ReserveBytes)} + free {F.Bytes(first.Memory.FreeBytes)} for KV cache and activations");
        ctx.Out.Write(t.ToText());
        if (devices.Band(d.Device, BenchmarkFamily.Gemm) is { } gb)
        {
            var (lo, hi) = DeploymentOptions.Range(first.TtftSeconds, gb);
            ctx.Out.WriteLine($"calibrated error band (p10..p90 of held-out residuals): TTFT {F.Seconds(lo)} .. {F.Seconds(hi)}");
        }
        if ((devices.Band(d.Device, BenchmarkFamily.Membw) ?? devices.Band(d.Device, BenchmarkFamily.Gemm)) is { } mb)
        {
            var (lo, hi) = DeploymentOptions.Range(first.TpotSeconds, mb);
            ctx.Out.WriteLine($"calibrated error band (p10..p90 of held-out residuals): TPOT {F.Seconds(lo)} .. {F.Seconds(hi)}");
        }
        foreach (var e in estimates.Where(e => !e.Fits))
            ctx.Out.WriteLine($"does not fit: batch {e.Workload.Batch} x {e.Workload.InputTokens + e.Workload.OutputTokens} tokens needs {F.Bytes(e.KvCacheBytes)} of KV cache; at most {e.MaxBatchAtThisContext} requests of this length fit. Try more TP, a KV8 scheme, or a smaller batch.");
    }
}
