using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Core.Tests;

/// <summary>Engine profiles: the shipped ones load with their sources; bad ones are refused with file, line and field; the rules they carry.</summary>
public class EngineProfileTests
{
    private static readonly EngineLibrary Engines = new(RepoPaths.EnginesDir);
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    [Fact]
    public void Shipped_profiles_load_and_every_section_names_its_source()
    {
        Assert.Empty(Engines.CheckAll());
        Assert.Equal(["sglang@0.5.4", "trtllm@0.14", "trtllm@1.0", "vllm@0.11"], Engines.Names);
        foreach (var name in Engines.Names)
        {
            var p = Engines.Get(name);
            Assert.All(new[] { p.Source, p.Scheduler.Source, p.Memory.Source, p.Graphs.Source, p.Overheads.Source, p.Kernels.Source }, s => Assert.False(string.IsNullOrWhiteSpace(s), $"{name}: a section without a source"));
            Assert.Contains(p.Scheduler.Policy, EngineProfile.Policies);
        }
    }

    [Fact]
    public void The_three_engines_cache_prefixes_by_default_and_the_0_14_engine_flow_does_not()
    {
        foreach (var name in new[] { "vllm@0.11", "sglang@0.5.4", "trtllm@1.0" }) Assert.True(Engines.Get(name).PrefixCaching, name);
        // TensorRT-LLM 0.x: enableBlockReuse defaults to false (docs/source/kv_cache_reuse.md of those releases).
        Assert.False(Engines.Get("trtllm@0.14").PrefixCaching);
        Assert.Contains("enableBlockReuse", Engines.Get("trtllm@0.14").PrefixCachingSource);
    }

    [Fact]
    public void An_engine_without_a_version_is_its_newest_profile_and_a_wrong_name_is_suggested()
    {
        Assert.Equal("vllm@0.11", Engines.Get("vllm").Name);
        // 0.14 < 1.0 as versions (as text "0.14" > "1.0" would not hold either way; numbers decide).
        Assert.Equal("trtllm@1.0", Engines.Get("trtllm").Name);
        Assert.Equal("trtllm@0.14", Engines.Get("trtllm@0.14").Name);
        var e = Assert.Throws<SpecException>(() => Engines.Get("vlm"));
        Assert.Contains("vllm", e.Message);
    }

    [Fact]
    public void Vllm_captures_1_2_4_and_every_multiple_of_8_to_512_and_pads_to_the_next()
    {
        var g = Engines.Get("vllm@0.11").Graphs;
        // [1, 2, 4] + range(8, 513, 8): 3 + 64 sizes (vllm/config/vllm.py _set_cudagraph_sizes with max_num_seqs 1024).
        Assert.Equal(67, g.DecodeSizes.Count);
        Assert.Equal(4, g.GraphBatch(3));
        Assert.Equal(16, g.GraphBatch(9));
        Assert.Equal(512, g.GraphBatch(512));
        Assert.Equal(0, g.GraphBatch(513)); // larger batches run eagerly
    }

    [Fact]
    public void Trtllm_without_padding_replays_a_graph_only_at_a_captured_size()
    {
        var g = Engines.Get("trtllm@1.0").Graphs;
        Assert.False(g.Padding);
        Assert.Equal(31, g.GraphBatch(31));
        Assert.Equal(0, g.GraphBatch(33));  // between 32 and 64: eager
        Assert.Equal(64, g.GraphBatch(64));
        Assert.Equal(0, g.GraphBatch(129));
    }

    [Fact]
    public void Device_tiers_set_the_small_gpu_defaults()
    {
        var vllm = Engines.Get("vllm@0.11");
        Assert.Equal((8192, 1024), (vllm.ForDevice(Lib.Hardware("h100-sxm")).Scheduler.TokenBudget, vllm.ForDevice(Lib.Hardware("h100-sxm")).Scheduler.MaxBatch));
        // vLLM keeps 2,048 / 256 on A100 whatever its memory (arg_utils.py, PR #17885), and below 70 GiB.
        Assert.Equal((2048, 256), (vllm.ForDevice(Lib.Hardware("a100-80gb-sxm")).Scheduler.TokenBudget, vllm.ForDevice(Lib.Hardware("a100-80gb-sxm")).Scheduler.MaxBatch));
        Assert.Equal(2048, vllm.ForDevice(Lib.Hardware("l4")).Scheduler.TokenBudget);
        var sglang = Engines.Get("sglang").ForDevice(Lib.Hardware("l4"));
        // 24 GB: chunked_prefill_size 2048 and CUDA graphs up to batch 16 (server_args.py, "< 35 GB" tier).
        Assert.Equal(2048, sglang.Scheduler.TokenBudget);
        Assert.Equal(16, sglang.Graphs.MaxSize);
    }

    [Fact]
    public void Fp8_checkpoints_get_an_fp8_kv_cache_where_the_engine_follows_the_checkpoint()
    {
        var fp8 = QuantizationScheme.Parse("fp8");
        Assert.Equal(DataType.Bf16, fp8.KvCache);
        var (trt, note) = Engines.Get("trtllm").ResolveKvCache(fp8, kvGiven: false);
        Assert.Equal(DataType.Fp8, trt.KvCache);
        Assert.Equal("fp8kv8", trt.Name);
        Assert.NotNull(note);
        Assert.Equal(DataType.Fp8, Engines.Get("sglang").ResolveKvCache(fp8, false).Scheme.KvCache);
        // vLLM keeps the model dtype unless told (gpu_model_runner.py: kv_cache_dtype = self.dtype).
        Assert.Equal(DataType.Bf16, Engines.Get("vllm").ResolveKvCache(fp8, false).Scheme.KvCache);
        // A KV type named by the user stands.
        Assert.True(EngineProfile.NamesKvType("fp8kv16"));
        Assert.Equal(DataType.Bf16, Engines.Get("trtllm").ResolveKvCache(QuantizationScheme.Parse("fp8kv16"), EngineProfile.NamesKvType("fp8kv16")).Scheme.KvCache);
        // A 16-bit checkpoint stays 16-bit.
        Assert.Equal(DataType.Bf16, Engines.Get("trtllm").ResolveKvCache(QuantizationScheme.Bf16, false).Scheme.KvCache);
    }

    [Fact]
    public void A_bad_profile_is_refused_with_file_line_and_field()
    {
        string dir = Directory.CreateTempSubdirectory("llmsim-engine").FullName;
        string path = Path.Combine(dir, "vllm@9.9.yaml");
        File.WriteAllText(path, """
            engine: vllm
            version: "9.9"
            source: test
            scheduler:
              policy: evict-everything
              max_batch: 0
              token_budget: 8192
              block_size: 16
              source: test
            memory:
              rule: total-minus-non-kv
              fraction: 1.5
              kv_cache_dtype: model
              source: test
            cuda_graphs:
              decode_sizes: [1, 8-4/8]
              kernel_overhead: 1 us
              source: test
            overheads:
              step: 2
              source: test
            colour: blue
            """);
        var r = EngineProfileReader.Load(path);
        Assert.False(r.Ok);
        string all = string.Join("\n", r.Errors);
        Assert.Contains($"{path}:5: scheduler.policy: unknown scheduler policy 'evict-everything'", all);
        Assert.Contains($"{path}:6: scheduler.max_batch", all);
        Assert.Contains($"{path}:12: memory.fraction", all);
        Assert.Contains("cuda_graphs.decode_sizes[1]", all);
        Assert.Contains($"{path}:20: overheads.step", all);   // a time without its unit
        Assert.Contains($"{path}:22: colour: unknown field", all);
    }

    [Fact]
    public void A_profile_written_out_reads_back_the_same()
    {
        foreach (var name in Engines.Names)
        {
            var p = Engines.Get(name);
            string dir = Directory.CreateTempSubdirectory("llmsim-engine").FullName;
            string path = Path.Combine(dir, "copy.yaml");
            File.WriteAllText(path, EngineProfileWriter.ToYaml(p));
            var back = EngineProfileReader.Load(path).OrThrow();
            Assert.Equal(p.Scheduler, back.Scheduler);
            Assert.Equal(p.Memory, back.Memory);
            Assert.Equal(p.Graphs.DecodeSizes, back.Graphs.DecodeSizes);
            Assert.Equal((p.Graphs.Padding, p.Graphs.Prefill, p.Graphs.KernelOverheadSeconds), (back.Graphs.Padding, back.Graphs.Prefill, back.Graphs.KernelOverheadSeconds), EqualityComparer<(bool, PrefillGraphMode, double)>.Default);
            Assert.Equal(p.Overheads.StepSeconds, back.Overheads.StepSeconds, 12);
            Assert.Equal(p.Overheads.RequestSeconds, back.Overheads.RequestSeconds, 12);
            Assert.Equal(p.Kernels.Memory, back.Kernels.Memory, 4);
            Assert.Equal(p.Tiers.Count, back.Tiers.Count);
            Assert.Equal(p.Backend, back.Backend);
            Assert.Equal(p.PrefixCaching, back.PrefixCaching);
        }
    }
}
