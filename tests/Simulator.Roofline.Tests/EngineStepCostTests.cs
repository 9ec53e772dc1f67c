using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;
using Simulator.Tests;

namespace Simulator.Roofline.Tests;

/// <summary>An engine's view of a step: CUDA graphs and padding, eager launches, CPU time and overlap, KV memory rules.</summary>
public class EngineStepCostTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
    private static readonly EngineLibrary Engines = new(RepoPaths.EnginesDir);

    private static Deployment Deploy(string quant = "bf16") =>
        Deployment.Create(Lib.Model("llama-3.1-8b"), Lib.Hardware("h100-sxm"), QuantizationScheme.Parse(quant), new Parallelism(1), Lib.DefaultCluster(Lib.Hardware("h100-sxm")));

    private static BatchShape Decode(int n, long context = 1000)
    {
        var s = BatchShape.Create();
        s.AddDecode(context, n);
        return s;
    }

    /// <summary>An engine with no graphs and no CPU time: the generic engine's arithmetic.</summary>
    private static EngineProfile Bare(EngineProfile p) => p with
    {
        Graphs = p.Graphs with { DecodeSizes = [] },
        Overheads = EngineOverheads.None,
    };

    [Fact]
    public void Without_graphs_or_cpu_time_an_engine_prices_a_step_exactly_as_the_generic_engine()
    {
        var cost = new CostModel(Deploy());
        var e = new EngineStepCost(cost, Bare(Engines.Get("vllm")) with { Graphs = Engines.Get("vllm").Graphs with { DecodeSizes = [], Prefill = PrefillGraphMode.Eager } });
        foreach (var shape in new[] { Decode(1), Decode(37, 4000) })
            Assert.Equal(cost.StepSeconds(shape), e.StepSeconds(shape), 12);
        var p = BatchShape.Create();
        p.AddPrefill(2048);
        Assert.Equal(cost.StepSeconds(p), e.StepSeconds(p), 12);
        // Work + eager launches is the step.
        var parts = cost.Parts(Decode(8));
        Assert.Equal(cost.StepSeconds(Decode(8)), parts.WorkSeconds + parts.EagerOverheadSeconds, 12);
    }

    [Fact]
    public void A_decode_batch_runs_at_the_next_captured_size_with_in_graph_kernel_overhead()
    {
        var cost = new CostModel(Deploy());
        var vllm = Bare(Engines.Get("vllm")) with { Graphs = Engines.Get("vllm").Graphs };
        var e = new EngineStepCost(cost, vllm);
        // Batch 3 replays the graph of batch 4: one padding row (context 0) priced with the rest.
        var padded = Decode(3);
        padded.AddDecode(0, 1);
        var p = cost.Parts(padded);
        double expected = p.WorkSeconds + p.Kernels * 0.79e-6;
        Assert.Equal(expected, e.GpuSeconds(Decode(3)), 12);
        // Against eager launches, a graph saves (4 us − 0.79 us) per kernel launch (h100-sxm launch_overhead 4 us).
        var eager = cost.Parts(padded);
        Assert.Equal(eager.Kernels * (4e-6 - 0.79e-6), eager.WorkSeconds + eager.EagerOverheadSeconds - expected, 9);
    }

    [Fact]
    public void Cpu_time_adds_to_the_gpu_time_unless_an_overlap_scheduler_hides_it()
    {
        var cost = new CostModel(Deploy());
        var serial = Bare(Engines.Get("vllm")) with { Overheads = new EngineOverheads(0.002, 10e-6, false, 0, 0, 0, "test") };
        var overlap = serial with { Overheads = serial.Overheads with { Overlap = true } };
        var shape = Decode(64);
        var a = new EngineStepCost(cost, serial);
        var b = new EngineStepCost(cost, overlap);
        double gpu = a.GpuSeconds(shape), cpu = 0.002 + 64 * 10e-6;   // 2.64 ms
        Assert.Equal(gpu + cpu, a.StepSeconds(shape), 12);
        Assert.Equal(Math.Max(gpu, cpu), b.StepSeconds(shape), 12);
    }

    [Fact]
    public void Sglang_mem_fraction_static_matches_its_formula_on_h100_and_h200()
    {
        // server_args.py L741-797: reserved = 512 + 1.5 x 8192 + 2 x 256 + 1024 x 1/8 = 13,440 MiB (>= the 10,240 floor);
        // H100 reports 81,559 MiB: (81,559 - 13,440) / 81,559 = 0.8352 -> 0.835; H200 143,771 MiB -> 0.9065 -> 0.907.
        Assert.Equal(0.835, MemoryModel.SglangStaticFraction(81559.0 * (1 << 20), 8192, 256, 1, 1), 9);
        Assert.Equal(0.907, MemoryModel.SglangStaticFraction(143771.0 * (1 << 20), 8192, 256, 1, 1), 9);
    }

    [Fact]
    public void Each_engine_sizes_the_kv_cache_by_its_own_rule()
    {
        var d = Deploy();
        var generic = MemoryModel.For(d);
        double act = 3e9, c = generic.CapacityBytes, w = generic.WeightBytes;
        // vLLM: 0.9 of total less weights and activations, the generic engine's rule too.
        Assert.InRange(Math.Abs(generic.MaxKvTokens(act) - MemoryModel.For(d, Engines.Get("vllm")).MaxKvTokens(act)), 0, 1);
        Assert.Equal(0.9 * c - w - act, MemoryModel.For(d, Engines.Get("vllm")).KvBudgetBytes(act), 3);
        // TensorRT-LLM: 0.9 of what is free after weights and buffers.
        Assert.Equal(0.9 * (c - w - act), MemoryModel.For(d, Engines.Get("trtllm")).KvBudgetBytes(act), 3);
        // SGLang: static fraction of total holds weights and KV; activations live outside it.
        var sg = MemoryModel.For(d, Engines.Get("sglang").ForDevice(d.Device));
        Assert.Equal(sg.KvFraction * c - w, sg.KvBudgetBytes(act), 3);
        Assert.Equal(sg.KvFraction * c - w, sg.KvBudgetBytes(0), 3);
    }

    [Fact]
    public void The_static_batch_estimate_without_an_engine_is_unchanged()
    {
        var d = Deploy();
        var w = new Workload(8, 1024, 128);
        var a = Estimator.Run(d, w);
        var b = Estimator.Run(d, w, null);
        Assert.Equal(a with { Memory = b.Memory }, b);
        Assert.Equal(a.Memory, b.Memory);
    }

    [Fact]
    public void An_engine_with_decode_graphs_gives_a_shorter_tpot_than_eager_launches()
    {
        var d = Deploy();
        var w = new Workload(1, 128, 128);
        var generic = Estimator.Run(d, w);
        var trt = Estimator.Run(d, w, Bare(Engines.Get("trtllm")) with { Graphs = Engines.Get("trtllm").Graphs });
        Assert.True(trt.TpotSeconds < generic.TpotSeconds, $"{trt.TpotSeconds} vs {generic.TpotSeconds}");
        Assert.Equal(generic.TtftSeconds, trt.TtftSeconds, 12); // prompts run eagerly, no CPU time here
    }
}
