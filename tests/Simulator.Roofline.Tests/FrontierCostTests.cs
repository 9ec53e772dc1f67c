using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Roofline.Tests;

/// <summary>
/// Attention data parallelism with expert parallelism (DEP, wide EP), expert load imbalance and redundant experts,
/// chunked local attention, linear-attention layers and attention sinks, each against hand arithmetic.
/// </summary>
public class FrontierCostTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    private static Deployment Deploy(string model, string hw, string quant, Parallelism par, int nodes = 1, ExpertLoad? experts = null)
    {
        var device = Lib.Hardware(hw);
        var cluster = Lib.DefaultCluster(device) with { Nodes = nodes };
        return Deployment.Create(Lib.Model(model), device, QuantizationScheme.Parse(quant), par, cluster, experts: experts);
    }

    private static OperatorCost Op(Deployment d, BatchShape s, string name)
    {
        foreach (var o in new CostModel(d).Operators(s))
            if (o.Name == name) return o;
        throw new Xunit.Sdk.XunitException($"no operator {name}");
    }

    private static bool Has(Deployment d, BatchShape s, string name)
    {
        foreach (var o in new CostModel(d).Operators(s))
            if (o.Name == name) return true;
        return false;
    }

    // ---------------------------------------------------------------- all-to-all volumes

    [Fact]
    public void Dep8_dispatch_and_combine_volumes_match_tokens_times_k_times_hidden_times_bytes_over_ep()
    {
        // DeepSeek-R1 FP8, DEP8 (--dp 8 --ep 8) on one HGX H200 node: 64 decode sequences, 8 per attention rank.
        var d = Deploy("deepseek-r1", "h200-sxm", "fp8", new Parallelism(Tp: 1, Pp: 1, Ep: 8, Dp: 8));
        var s = BatchShape.For(d.Model);
        s.AddDecode(1000, 64);
        // Each device sends its 8 tokens' 8 expert copies and the (even) busiest expert rank receives 64 x 8 / 8 = 64 copies
        // of hidden 7168: 458,752 elements. Dispatch in FP8 with an fp32 scale per 128 elements: x (1 + 4/128) bytes =
        // 473,088 B; combine in BF16: 917,504 B.
        var dispatch = Op(d, s, "moe_dispatch");
        var combine = Op(d, s, "moe_combine");
        Assert.Equal(473_088.0, dispatch.NetworkBytes, 6);
        Assert.Equal(917_504.0, combine.NetworkBytes, 6);
        Assert.Equal(58, dispatch.Layers); // the MoE layers
        // Inside one node over NVLink 4 (450 GB/s, 2 us): one latency (all peers at once) + 7/8 of the bytes.
        Assert.Equal(2e-6 + 7.0 / 8 * 473_088 / 450e9, dispatch.CommunicationSeconds, 15);
        Assert.Equal(2e-6 + 7.0 / 8 * 917_504 / 450e9, combine.CommunicationSeconds, 15);
    }

    [Fact]
    public void Wide_ep_across_nodes_uses_infiniband_with_the_low_latency_kernels_for_decode_and_normal_ones_for_prefill()
    {
        // DP32 EP32 over 4 HGX H200 nodes (8 GPUs each, NVLink 4 inside, InfiniBand NDR 400 Gb/s = 50 GB/s, 3 us between).
        var d = Deploy("deepseek-r1", "h200-sxm", "fp8", new Parallelism(1, 1, 32, 32), nodes: 4);
        Assert.True(d.MoeGroupSpansNodes);
        var decode = BatchShape.For(d.Model);
        decode.AddDecode(1000, 128); // 4 per rank
        // 4 tokens x 8 copies x 7168 = 229,376 elements per device (and per expert rank, evenly); FP8 + scales: 236,544 B.
        double bytes = 229_376 * (1 + 4.0 / 128);
        var ll = Op(d, decode, "moe_dispatch");
        Assert.Equal(bytes, ll.NetworkBytes, 6);
        // Low latency (decode): pure RDMA to all 31 peers, one latency: 3 us + 31/32 x bytes / 50 GB/s.
        Assert.Equal(3e-6 + 31.0 / 32 * bytes / 50e9, ll.CommunicationSeconds, 15);

        var mixed = BatchShape.For(d.Model);
        mixed.AddDecode(1000, 96);
        mixed.AddPrefill(32); // a prefill in the step: the normal kernels
        double T = 96 + 32, rank = Math.Ceiling(96 / 32.0) + 32; // busiest rank: 3 decodes + the whole prompt
        double copies = Math.Max(rank, T / 32) * 8 * 7168 * (1 + 4.0 / 128);
        var normal = Op(d, mixed, "moe_dispatch");
        Assert.Equal(copies, normal.NetworkBytes, 6);
        // Normal: the 24/32 bound for other nodes over InfiniBand while the 7/32 for node peers go over NVLink.
        double expected = Math.Max(3e-6 + 24.0 / 32 * copies / 50e9, 2e-6 + 7.0 / 32 * copies / 450e9);
        Assert.Equal(expected, normal.CommunicationSeconds, 15);
    }

    [Theory]
    // DeepEP V1 README (docs/legacy.md, deepseek-ai/DeepEP): low-latency kernels on H800 + CX7 400 Gb/s InfiniBand,
    // 128 tokens per rank, hidden 7168, top-8, FP8 dispatch and BF16 combine. Published latency in microseconds.
    // The model (one 3 us latency + 31/32..255/256 of the bytes at the 50 GB/s line rate) is within 25% from EP 32 up:
    // DeepEP's own figures fall to 39-48 GB/s of RDMA bandwidth at large EP, so the model is 3-21% optimistic there.
    [InlineData(32, 155, 273)]
    [InlineData(64, 173, 314)]
    [InlineData(128, 192, 369)]
    [InlineData(256, 194, 360)]
    public void Low_latency_all_to_all_is_within_25_percent_of_deepep_published_latency(int ep, double dispatchUs, double combineUs)
    {
        var h100 = Lib.Hardware("h100-sxm");
        var cluster = Lib.DefaultCluster(h100);
        double copies = 128.0 * 8 * 7168;
        double dispatch = Collectives.ExpertAllToAll(copies * (1 + 4.0 / 128), ep, 8, cluster.IntraNode, cluster.InterNode, lowLatency: true);
        double combine = Collectives.ExpertAllToAll(copies * 2, ep, 8, cluster.IntraNode, cluster.InterNode, lowLatency: true);
        Assert.InRange(dispatch * 1e6 / dispatchUs, 0.75, 1.25);
        Assert.InRange(combine * 1e6 / combineUs, 0.75, 1.25);
    }

    [Fact]
    public void The_tensor_parallel_ep_path_keeps_its_ring_formula()
    {
        // TP8 EP8 (no DP): existing formula, bytes = T k h 2 / EP over the TP link, ring all-to-all.
        var d = Deploy("deepseek-r1", "h200-sxm", "fp8", new Parallelism(8, 1, 8));
        var s = BatchShape.For(d.Model);
        s.AddDecode(1000, 64);
        var op = Op(d, s, "moe_dispatch");
        double bytes = 64.0 * 8 * 7168 * 2 / 8;
        Assert.Equal(bytes, op.NetworkBytes, 6);
        Assert.Equal(7 * 2e-6 + 7.0 / 8 * bytes / 450e9, op.CommunicationSeconds, 15);
    }

    [Fact]
    public void Attention_dp_with_a_tensor_parallel_moe_gathers_and_reduce_scatters()
    {
        var d = Deploy("qwen3-235b-a22b", "h200-sxm", "fp8", new Parallelism(1, 1, 1, 4));
        var s = BatchShape.For(d.Model);
        s.AddDecode(1000, 16);
        var gather = Op(d, s, "moe_gather");
        Assert.Equal(16.0 * 4096 * 2, gather.NetworkBytes);
        Assert.Equal(3 * 2e-6 + 3.0 / 4 * 16 * 4096 * 2 / 450e9, gather.CommunicationSeconds, 15);
        Assert.False(Has(d, s, "moe_dispatch"));
    }

    // ---------------------------------------------------------------- the busiest rank

    [Fact]
    public void Each_attention_rank_runs_its_share_of_the_batch_and_the_busiest_sets_the_pace()
    {
        var dep = Deploy("qwen3-235b-a22b", "h200-sxm", "fp8", new Parallelism(1, 1, 4, 4));
        var s = BatchShape.For(dep.Model);
        s.AddDecode(2000, 10);
        // 10 sequences over 4 ranks: the busiest has ceil(10 / 4) = 3, so its projections have M = 3 and it reads 3 KV caches.
        var qkv = Op(dep, s, "qkv_proj");
        Assert.Equal(2.0 * 3 * (8192 + 2 * 512) * 4096, qkv.Flops);
        var attn = Op(dep, s, "attention_decode");
        Assert.Equal(3.0 * 2001 * 2 * 4 * 128 * 2, attn.KvReadBytes); // 3 x 2001 tokens x K and V x 4 KV heads x 128 x 2 B
        // The experts see all 10 tokens: 10 x 8 copies / 4 ranks = 20 routed pairs on each expert rank.
        var up = Op(dep, s, "experts_gate_up");
        Assert.Equal(2.0 * 20 * 2 * 1536 * 4096, up.Flops);
    }

    [Fact]
    public void Expert_imbalance_scales_the_busiest_ranks_expert_work_and_traffic()
    {
        var even = Deploy("deepseek-r1", "h200-sxm", "fp8", new Parallelism(1, 1, 8, 8));
        var skewed = Deploy("deepseek-r1", "h200-sxm", "fp8", new Parallelism(1, 1, 8, 8), experts: new ExpertLoad { Imbalance = 1.5 });
        var s = BatchShape.For(even.Model);
        s.AddDecode(1000, 256);
        Assert.Equal(1.5, skewed.ExpertImbalance);
        Assert.Equal(1.5 * Op(even, s, "experts_down").Flops, Op(skewed, s, "experts_down").Flops, 6);
        Assert.Equal(1.5 * Op(even, s, "moe_combine").NetworkBytes, Op(skewed, s, "moe_combine").NetworkBytes, 6);
        Assert.True(new CostModel(skewed).StepSeconds(s) > new CostModel(even).StepSeconds(s));
    }

    [Fact]
    public void Measured_expert_loads_give_the_busiest_rank_and_eplb_redundant_experts_flatten_it()
    {
        // 8 experts on 4 ranks; expert 0 is hot. Contiguous placement (experts 0-1, 2-3, 4-5, 6-7):
        // ranks carry 9, 2, 2, 3 of 16: busiest 9 / mean 4 = 2.25.
        double[] loads = [8, 1, 1, 1, 1, 1, 1, 2];
        Assert.Equal(2.25, new ExpertLoad { ExpertTokens = loads }.BusiestRankFactor(8, 4), 12);
        // EPLB with 4 redundant slots: expert 0 gets 4 more copies (load 1.6 each, the hottest per copy each time; ties go
        // to the lower index), 12 copies packed heaviest first onto the least-loaded rank with a free slot (3 each):
        // ranks 4, 4.2, 4.2, 3.6: busiest 4.2 / 4 = 1.05.
        Assert.Equal(1.05, new ExpertLoad { ExpertTokens = loads, RedundantExperts = 4 }.BusiestRankFactor(8, 4), 12);
        Assert.Equal(1.0, new ExpertLoad { ExpertTokens = loads }.BusiestRankFactor(8, 1));
    }

    [Fact]
    public void Redundant_experts_take_memory_on_every_rank()
    {
        // DeepSeek-R1 EP 32 + 32 redundant experts (288 slots, 9 per rank instead of 8): one more expert of
        // 3 x 7168 x 2048 = 44,040,192 parameters per MoE layer per device, 58 MoE layers, FP8.
        var plain = MemoryModel.For(Deploy("deepseek-r1", "h200-sxm", "fp8", new Parallelism(1, 1, 32, 32), nodes: 4));
        var eplb = MemoryModel.For(Deploy("deepseek-r1", "h200-sxm", "fp8", new Parallelism(1, 1, 32, 32), nodes: 4, experts: new ExpertLoad { RedundantExperts = 32 }));
        Assert.Equal(58.0 * 44_040_192, eplb.WeightBytes - plain.WeightBytes, 0);
    }

    // ---------------------------------------------------------------- DEP memory per rank

    [Fact]
    public void Dep8_memory_per_rank_is_full_attention_plus_an_eighth_of_the_experts_plus_its_own_kv()
    {
        var d = Deploy("deepseek-r1", "h200-sxm", "fp8", new Parallelism(1, 1, 8, 8));
        var mem = MemoryModel.For(d);
        // By hand, FP8 weights (1 byte), 16-bit router, embedding and head, per rank:
        //   attention, all of it (TP 1): 61 x 187,107,328 = 11,413,547,008
        //   dense MLP (layers 0-2): 3 x 3 x 7168 x 18432 = 1,189,085,184
        //   58 MoE layers x (32 routed experts x 44,040,192 + 1 shared 44,040,192 + router 7168 x 256 x 2 B)
        //     = 58 x 1,456,996,352 = 84,505,788,416
        //   norms 61 x 2 x 7168 x 2 B = 1,748,992; embedding + head 2 x 129,280 x 7168 x 2 B = 3,706,716,160
        //   total 100,816,885,760 B (100.8 GB of the H200's 141 GB).
        Assert.Equal(100_816_885_760.0, mem.WeightBytes, 100_816_885_760.0 * 1e-12);
        // Its own KV cache: the MLA latent, 61 layers x 576 x 2 B = 70,272 B per token of its own requests.
        Assert.Equal(70_272.0, mem.KvBytesPerToken);
        Assert.Equal(8, mem.DataParallelRanks);
        // Against TP8 EP8: the same routed experts per device, but TP8 splits the attention (all but the replicated MLA
        // down-projections, 7168 x (1536 + 512 + 64) per layer), the dense MLP, the shared expert and the embedding and
        // head eight ways, where each DEP rank holds them whole.
        var tp8 = MemoryModel.For(Deploy("deepseek-r1", "h200-sxm", "fp8", new Parallelism(8, 1, 8)));
        double attnSplit = 61 * (187_107_328.0 - 7168 * 2112) * (1 - 1.0 / 8);
        double headsSplit = 2 * 129_280.0 * 7168 * 2 * (1 - 1.0 / 8);
        double denseSplit = 1_189_085_184.0 * (1 - 1.0 / 8);
        double sharedSplit = 58 * 44_040_192.0 * (1 - 1.0 / 8);
        Assert.Equal(attnSplit + headsSplit + denseSplit + sharedSplit, mem.WeightBytes - tp8.WeightBytes, 1.0);
    }

    [Fact]
    public void Dep_estimate_holds_a_batch_per_rank_and_the_replica_holds_dp_times_one_rank()
    {
        var d = Deploy("deepseek-r1", "h200-sxm", "fp8", new Parallelism(1, 1, 8, 8));
        var e = Estimator.Run(d, new Workload(64, 1000, 1000));
        var mem = MemoryModel.For(d);
        // KV bytes on one device: its 8 requests of 2000 tokens.
        Assert.Equal(8 * 2000 * 70_272.0, e.KvCacheBytes);
        Assert.Equal(8 * (e.MaxBatchAtThisContext / 8), e.MaxBatchAtThisContext);
        Assert.True(e.Fits);
        Assert.Equal(8 * mem.MaxRequests(2000, e.ActivationBytes), e.MaxBatchAtThisContext);
    }

    [Theory]
    [InlineData("llama-3.1-70b", 1, 1, 4, "mixture-of-experts")]
    [InlineData("deepseek-r1", 1, 4, 8, "EP must span every device")]
    [InlineData("deepseek-r1", 1, 3, 3, "does not divide 256 experts")]
    public void Impossible_dp_layouts_are_rejected_with_a_reason(string model, int tp, int ep, int dp, string words)
    {
        var ex = Assert.Throws<PlanException>(() => Deploy(model, "h200-sxm", "fp8", new Parallelism(tp, 1, ep, dp)));
        Assert.Contains(words, ex.Message);
    }

    [Fact]
    public void Nvl72_keeps_a_64_wide_ep_group_on_nvlink()
    {
        // A rack-scale NVLink domain is a cluster whose node holds 72 devices (tests/fixtures/clusters/nvl72-b200.yaml).
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        var nvl = lib.Cluster(Path.Combine(RepoPaths.Fixtures, "clusters", "nvl72-b200.yaml"));
        var d = Deployment.Create(lib.Model("deepseek-r1"), nvl.Device, QuantizationScheme.Parse("fp8"), new Parallelism(1, 1, 64, 64), nvl);
        Assert.False(d.MoeGroupSpansNodes);
        Assert.Equal(nvl.IntraNode, d.MoeLink);
        var s = BatchShape.For(d.Model);
        s.AddDecode(1000, 64 * 16);
        var op = Op(d, s, "moe_dispatch");
        Assert.Equal(nvl.IntraNode!.LatencySeconds + 63.0 / 64 * op.NetworkBytes / nvl.IntraNode.BandwidthBytesPerSecond, op.CommunicationSeconds, 15);
    }

    // ---------------------------------------------------------------- chunked local attention

    [Fact]
    public void Chunked_pairs_by_hand()
    {
        // Chunk 8192. Three queries at positions 8190, 8191, 8192 attend 8191, 8192 and 1 keys.
        Assert.Equal(8191 + 8192 + 1, BatchShape.ChunkedPairs(8190, 3, 8192));
        // A 20,000-token prompt: two whole chunks (8192 x 8193 / 2 each) and 3,616 tokens of the third (3616 x 3617 / 2).
        Assert.Equal(2 * 8192 * 8193 / 2.0 + 3616 * 3617 / 2.0, BatchShape.ChunkedPairs(0, 20_000, 8192));
        // Inside the first chunk it is the causal triangle.
        Assert.Equal(BatchShape.CausalPairs(100, 50, 0), BatchShape.ChunkedPairs(100, 50, 8192));
    }

    [Fact]
    public void Llama_4_chunked_layers_attend_their_chunk_and_the_nope_layers_the_whole_context()
    {
        var d = Deploy("llama-4-scout", "h200-sxm", "bf16", new Parallelism(4));
        var s = BatchShape.For(d.Model);
        Assert.Equal(8192, s.AttentionChunk);
        s.AddDecode(10_000, 2);
        // A decode at position 10,000: chunked layers see 10,000 mod 8192 + 1 = 1,809 keys; the 12 NoPE layers 10,001.
        var local = Op(d, s, "attention_decode_local");
        var global = Op(d, s, "attention_decode");
        Assert.Equal(36, local.Layers);
        Assert.Equal(12, global.Layers);
        double heads = 40 / 4, kvHeads = 8 / 4;
        Assert.Equal(2 * 1809 * 2 * kvHeads * 128 * 2.0, local.KvReadBytes);
        Assert.Equal(2 * 10_001 * 2 * kvHeads * 128 * 2.0, global.KvReadBytes);
        Assert.Equal(2 * 1809 * heads * (2 * 128 + 2 * 128 + 5.0), local.Flops);
    }

    [Fact]
    public void Llama_4_kv_per_request_keeps_at_most_a_chunk_in_the_chunked_layers()
    {
        var m = Lib.Model("llama-4-scout");
        // 48 layers x 2 x 8 KV heads x 128 x 2 B = 196,608 B per token; 36 chunked layers hold at most 8,192 tokens:
        // 20,000 x 49,152 + 8,192 x 147,456 = 2,190,999,552 B.
        Assert.Equal(2_190_999_552.0, ModelMath.KvCacheBytes(m, 20_000));
        var mem = MemoryModel.For(Deploy("llama-4-scout", "h200-sxm", "bf16", new Parallelism(8)));
        Assert.Equal(8192, mem.SlidingWindow);
        Assert.Equal(2_190_999_552.0 / 8, mem.RequestKvBytes(20_000)); // 8 KV heads over TP 8
    }

    [Fact]
    public void Maverick_runs_the_dense_mlp_in_24_layers_and_the_experts_in_24()
    {
        var d = Deploy("llama-4-maverick", "h200-sxm", "fp8", new Parallelism(8));
        var s = BatchShape.For(d.Model);
        s.AddDecode(1000, 8);
        Assert.Equal(24, Op(d, s, "mlp_gate_up").Layers);
        Assert.Equal(24, Op(d, s, "experts_gate_up").Layers);
        Assert.Equal(24, Op(d, s, "shared_expert_gate_up").Layers);
    }

    // ---------------------------------------------------------------- linear attention

    [Fact]
    public void Qwen3_next_linear_layers_read_and_write_a_fixed_state_that_does_not_grow()
    {
        var d = Deploy("qwen3-next-80b-a3b", "h200-sxm", "bf16", new Parallelism(1));
        BatchShape Decode(long context)
        {
            var s = BatchShape.For(d.Model);
            s.AddDecode(context, 10);
            return s;
        }
        var shortCtx = Op(d, Decode(1000), "linear_attention_decode");
        var longCtx = Op(d, Decode(100_000), "linear_attention_decode");
        // Per sequence per linear layer: 32 x 128 x 128 x 4 B recurrent state + 8192 x 3 x 2 B conv state = 2,146,304 B,
        // read and written once per decode step; 10 sequences; 36 layers.
        Assert.Equal(10 * 2_146_304.0, shortCtx.KvReadBytes);
        Assert.Equal(10 * 2_146_304.0, shortCtx.KvWriteBytes);
        Assert.Equal(36, shortCtx.Layers);
        Assert.Equal(shortCtx, longCtx); // independent of the context length
        // Compute per token proportional to the state: 7 FLOPs per state element (32 x 128 x 128 = 524,288).
        Assert.Equal(7.0 * 10 * 524_288, shortCtx.Flops);
        // Only the 12 full-attention layers write KV and attend.
        Assert.Equal(12, Op(d, Decode(1000), "kv_cache_write").Layers);
        Assert.Equal(12, Op(d, Decode(1000), "attention_decode").Layers);
        Assert.Equal(48, Op(d, Decode(1000), "experts_gate_up").Layers);
    }

    [Fact]
    public void Qwen3_next_memory_counts_kv_only_for_full_attention_layers_plus_a_state_per_request()
    {
        var mem = MemoryModel.For(Deploy("qwen3-next-80b-a3b", "h200-sxm", "bf16", new Parallelism(2)));
        // 12 layers x 2 x 2 KV heads x 256 x 2 B = 24,576 B per token, the 2 KV heads replicated over TP 2 (1 each).
        Assert.Equal(12 * 2 * 1 * 256 * 2.0, mem.KvBytesPerToken);
        // 36 layers x 2,146,304 B of state, split over TP 2 (value and key heads divide).
        Assert.Equal(36 * 2_146_304.0 / 2, mem.StateBytesPerRequest);
        Assert.Equal(1000 * mem.KvBytesPerToken + mem.StateBytesPerRequest, mem.RequestKvBytes(1000));
        // Fewer requests fit than the KV arithmetic alone says, because every request also holds its state.
        Assert.True(mem.MaxRequests(1000, 0) < mem.MaxKvTokens(0) / 1000);
    }

    // ---------------------------------------------------------------- attention sinks

    [Fact]
    public void Gpt_oss_sinks_add_one_logit_per_query_and_head_to_the_softmax()
    {
        var d = Deploy("gpt-oss-120b", "h200-sxm", "bf16", new Parallelism(1));
        var s = BatchShape.For(d.Model);
        s.AddDecode(50, 4);
        // Global layers: 4 queries attend 51 keys each; 64 heads of 64: QK and PV 2 x 2 x pairs x heads x 64, softmax
        // 5 x (pairs + one sink per query) x heads.
        double pairs = 4 * 51;
        Assert.Equal(4 * pairs * 64 * 64 + 5 * (pairs + 4) * 64, Op(d, s, "attention_decode").Flops);
        // Sliding layers see at most 128 keys: here all 51.
        Assert.Equal(18, Op(d, s, "attention_decode_local").Layers);
    }

    [Fact]
    public void A_dep_step_and_a_linear_attention_step_allocate_nothing()
    {
        var dep = new CostModel(Deploy("deepseek-r1", "h200-sxm", "fp8", new Parallelism(1, 1, 8, 8)));
        var next = new CostModel(Deploy("qwen3-next-80b-a3b", "h200-sxm", "bf16", new Parallelism(1)));
        var s = BatchShape.For(dep.Deployment.Model);
        s.AddDecode(1000, 64);
        s.AddPrefill(512);
        var n = BatchShape.For(next.Deployment.Model);
        n.AddDecode(1000, 64);
        dep.StepSeconds(s);
        next.StepSeconds(n);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) { dep.StepSeconds(s); next.StepSeconds(n); }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
