using BenchmarkDotNet.Attributes;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;
using Simulator.Tests;

namespace Simulator.Benchmarks;

/// <summary>
/// The step-cost function the simulator calls once per engine step. Target (issue 3): one evaluation for a
/// 70B model well under 10 us, with no allocation.
/// </summary>
[MemoryDiagnoser]
public class StepCostBenchmarks
{
    private CostModel _llama70 = null!, _deepseek = null!, _gemma27 = null!, _r1dep8 = null!, _qwenNext = null!, _maverick = null!;
    private BatchShape _decode64, _mixed, _gemmaDecode64, _r1Decode64, _nextDecode64, _maverickDecode64;

    [GlobalSetup]
    public void Setup()
    {
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        var h100 = lib.Hardware("h100-sxm");
        _llama70 = new CostModel(Deployment.Create(lib.Model("llama-3.1-70b"), h100, QuantizationScheme.Bf16, new Parallelism(4), lib.DefaultCluster(h100)));
        var h200 = lib.Hardware("h200-sxm");
        _deepseek = new CostModel(Deployment.Create(lib.Model("deepseek-v3"), h200, QuantizationScheme.Parse("fp8"), new Parallelism(8, 1, 8), lib.DefaultCluster(h200)));
        _gemma27 = new CostModel(Deployment.Create(lib.Model("gemma-3-27b"), h100, QuantizationScheme.Bf16, new Parallelism(2), lib.DefaultCluster(h100)));
        _r1dep8 = new CostModel(Deployment.Create(lib.Model("deepseek-r1"), h200, QuantizationScheme.Parse("fp8"), new Parallelism(1, 1, 8, 8), lib.DefaultCluster(h200)));
        _qwenNext = new CostModel(Deployment.Create(lib.Model("qwen3-next-80b-a3b"), h200, QuantizationScheme.Bf16, new Parallelism(2), lib.DefaultCluster(h200)));
        _maverick = new CostModel(Deployment.Create(lib.Model("llama-4-maverick"), h200, QuantizationScheme.Parse("fp8"), new Parallelism(8), lib.DefaultCluster(h200)));
        _r1Decode64 = BatchShape.For(_r1dep8.Deployment.Model);
        _r1Decode64.AddDecode(2048, 64);
        _nextDecode64 = BatchShape.For(_qwenNext.Deployment.Model);
        _nextDecode64.AddDecode(2048, 64);
        _maverickDecode64 = BatchShape.For(_maverick.Deployment.Model);
        _maverickDecode64.AddDecode(10_000, 64);
        _gemmaDecode64 = BatchShape.Create(1024);
        _gemmaDecode64.AddDecode(2048, 64);
        _decode64 = BatchShape.Create();
        _decode64.AddDecode(2048, 64);
        _mixed = BatchShape.Create();
        _mixed.AddDecode(1500, 48);
        _mixed.AddPrefill(512, 1024, emitsToken: false);
    }

    [Benchmark(Description = "Llama-3.1-70B TP4, decode batch 64")]
    public double Llama70bDecode() => _llama70.StepSeconds(_decode64);

    [Benchmark(Description = "Llama-3.1-70B TP4, mixed chunked-prefill step")]
    public double Llama70bMixed() => _llama70.StepSeconds(_mixed);

    [Benchmark(Description = "DeepSeek-V3 TP8 EP8 fp8, decode batch 64")]
    public double DeepSeekDecode() => _deepseek.StepSeconds(_decode64);

    [Benchmark(Description = "Gemma-3-27B TP2, decode batch 64 (10 global + 52 sliding-window layers)")]
    public double Gemma27bDecode() => _gemma27.StepSeconds(_gemmaDecode64);

    [Benchmark(Description = "DeepSeek-R1 DEP8 (DP8 EP8) fp8, decode batch 64 (busiest rank, all-to-all)")]
    public double DeepSeekR1Dep8Decode() => _r1dep8.StepSeconds(_r1Decode64);

    [Benchmark(Description = "Qwen3-Next-80B-A3B TP2, decode batch 64 (36 linear-attention + 12 full-attention layers)")]
    public double QwenNextDecode() => _qwenNext.StepSeconds(_nextDecode64);

    [Benchmark(Description = "Llama-4-Maverick TP8 fp8, decode batch 64 at 10k context (36 chunked + 12 global layers)")]
    public double MaverickDecode() => _maverick.StepSeconds(_maverickDecode64);

    [Benchmark(Description = "Build a 64-request batch shape")]
    public long BuildShape()
    {
        var s = BatchShape.Create();
        for (int i = 0; i < 64; i++) s.AddDecode(1000 + i);
        return s.NewTokens;
    }
}
