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
    private CostModel _llama70 = null!, _deepseek = null!, _gemma27 = null!;
    private BatchShape _decode64, _mixed, _gemmaDecode64;

    [GlobalSetup]
    public void Setup()
    {
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        var h100 = lib.Hardware("h100-sxm");
        _llama70 = new CostModel(Deployment.Create(lib.Model("llama-3.1-70b"), h100, QuantizationScheme.Bf16, new Parallelism(4), lib.DefaultCluster(h100)));
        var h200 = lib.Hardware("h200-sxm");
        _deepseek = new CostModel(Deployment.Create(lib.Model("deepseek-v3"), h200, QuantizationScheme.Parse("fp8"), new Parallelism(8, 1, 8), lib.DefaultCluster(h200)));
        _gemma27 = new CostModel(Deployment.Create(lib.Model("gemma-3-27b"), h100, QuantizationScheme.Bf16, new Parallelism(2), lib.DefaultCluster(h100)));
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

    [Benchmark(Description = "Build a 64-request batch shape")]
    public long BuildShape()
    {
        var s = BatchShape.Create();
        for (int i = 0; i < 64; i++) s.AddDecode(1000 + i);
        return s.NewTokens;
    }
}
