using MathNet.Numerics.Random;
using Simulator.Roofline;

namespace Simulator.Serving.Tests;

/// <summary>Prefix caching: hit rates and TTFT against arithmetic and the cost model, LRU eviction against a reference LRU.</summary>
public class PrefixCachingTests
{
    private static double Prefill(CostModel cm, int tokens, int cached = 0)
    {
        var s = BatchShape.Create();
        s.AddPrefill(tokens, cached, true);
        return cm.StepSeconds(s);
    }

    private static ReplicaConfig Cached(string hardware = "h100-sxm") => Setups.Replica(hardware: hardware) with { PrefixCaching = true };

    [Fact]
    public void A_2000_token_shared_prompt_reaches_the_hit_rate_arithmetic_predicts_and_ttft_falls_by_the_skipped_prefill()
    {
        // 20 requests one second apart (each finishes well within a second), every prompt = the same 2,000-token system
        // prompt + a 100-token question, 10 output tokens. The first computes everything; each later one finds the
        // prompt's 125 whole blocks (2000 / 16) cached and computes only its 100-token question after them.
        const int n = 20, prompt = 2000, question = 100;
        var work = Setups.Fixed(prompt + question, 10, new ConstantArrivals(1)).WithSharedPrefix(prompt);
        var on = new RecordList();
        var r = ServingSimulator.Run(Setups.Cluster(Cached()), work, new RunOptions { Requests = n }, on);
        var pc = r.PrefixCache!;

        // Tokens: 19 x 2000 found of 20 x 2100 looked up = 0.90476; blocks: 19 x 125 of 20 x 131 (2100 / 16 = 131.25).
        Assert.Equal(19L * 2000, pc.HitTokens);
        Assert.Equal(20L * 2100, pc.PromptTokens);
        Assert.Equal(19.0 * 2000 / (20 * 2100), pc.TokenHitRate, 12);
        Assert.Equal(19.0 * 125 / (20 * 131), pc.BlockHitRate, 12);
        Assert.Equal(0, pc.EvictedBlocks);

        var cm = new CostModel(Cached().Deployment);
        double full = Prefill(cm, prompt + question), skipped = Prefill(cm, question, prompt);
        var records = on.Records.OrderBy(x => x.Id).ToList();
        Assert.Equal(full, records[0].Ttft, 1e-12);
        Assert.Equal(0, records[0].CachedTokens);
        foreach (var x in records.Skip(1))
        {
            Assert.Equal(skipped, x.Ttft, 1e-12);
            Assert.Equal(prompt, x.CachedTokens);
        }
        // Without prefix caching every request pays the full prefill.
        var off = new RecordList();
        var r0 = ServingSimulator.Run(Setups.Cluster(Setups.Replica()), work, new RunOptions { Requests = n }, off);
        Assert.Null(r0.PrefixCache);
        Assert.All(off.Records, x => Assert.Equal(full, x.Ttft, 1e-12));
        Assert.True(skipped < full / 5, $"{skipped} vs {full}");
    }

    [Fact]
    public void A_whole_prompt_in_the_cache_still_computes_its_last_token()
    {
        // Identical 512-token prompts (a trace whose prefix group shares all 512 tokens, 32 whole blocks): the last block
        // is recomputed (vLLM computes at least the last token, whose logits give the first output token), so 31 blocks =
        // 496 tokens are found.
        var rows = Enumerable.Range(0, 3).Select(i => new TraceRow(i, 512, 4) { PrefixGroup = 1, PrefixTokens = 512 }).ToArray();
        var work = new WorkloadSpec("same", [new RequestClass("t", 1, new FixedLength(512), new FixedLength(4), Slo.None)],
            new TraceArrivals(new Trace("same", TraceFormat.BurstGpt, rows, 0, [], [])));
        var r = ServingSimulator.Run(Setups.Cluster(Cached()), work, new RunOptions());
        Assert.Equal(2L * 496, r.PrefixCache!.HitTokens);
    }

    /// <summary>A trace of requests one second apart, each a 1,024-token prefix of <paramref name="groups"/>[i] plus a 20-token question, 4 output tokens.</summary>
    private static WorkloadSpec Templates(IReadOnlyList<int> groups)
    {
        var rows = groups.Select((g, i) => new TraceRow(i, 1044, 4) { PrefixGroup = g, PrefixTokens = 1024 }).ToArray();
        var trace = new Trace("templates", TraceFormat.BurstGpt, rows, 0, [], []);
        return new WorkloadSpec("templates", [new RequestClass("t", 1, new FixedLength(1044), new FixedLength(4), Slo.None)], new TraceArrivals(trace));
    }

    /// <summary>
    /// Reference LRU at block granularity, one request at a time, as the cache is specified: a request finds the leading
    /// blocks of its template that are cached (at most 64), holds them, takes its other 66 - h blocks from free memory,
    /// evicting the least recently used cached blocks when free memory runs short, and on completion returns its 64
    /// template blocks to the cache, last block first (so a template's tail is evicted before its head), and frees the rest.
    /// </summary>
    private static long ReferenceHits(IReadOnlyList<int> groups, int capacity)
    {
        var lru = new LinkedList<(int Group, int Block)>();
        long hits = 0;
        foreach (int g in groups)
        {
            int h = 0;
            while (h < 64 && lru.Contains((g, h))) h++;
            for (int b = 0; b < h; b++) lru.Remove((g, b));
            int free = capacity - h - lru.Count;
            for (int need = 66 - h; free < need; free++) lru.RemoveFirst();
            for (int b = 63; b >= 0; b--) lru.AddLast((g, b));
            hits += h;
        }
        return hits;
    }

    /// <summary>
    /// Blocks that hold <paramref name="m"/> templates (64 blocks each) between requests, plus the 2 blocks a request whose
    /// template is cached takes, plus the 1% watermark and one spare block. A request whose template is not cached takes
    /// 66 blocks and so evicts about one template (all but the watermark and spare block, tail first).
    /// </summary>
    private static int Room(int m) => (int)Math.Ceiling((64 * m + 2) / 0.99) + 1;

    [Fact]
    public void With_the_cache_too_small_for_every_template_hits_fall_as_lru_predicts()
    {
        // 8 templates of 64 blocks (1,024 tokens) drawn uniformly; a request needs 66 blocks (1,044 + 3 tokens).
        var rng = new Xoshiro256StarStar(5, threadSafe: false);
        var groups = Enumerable.Range(0, 600).Select(_ => 1 + rng.Next(8)).ToArray();
        double last = double.PositiveInfinity;
        foreach (int m in new[] { 8, 6, 4, 2, 1 })
        {
            int capacity = Room(m);
            var replica = Cached() with { KvBlockLimit = capacity };
            var r = ServingSimulator.Run(Setups.Cluster(replica), Templates(groups), new RunOptions());
            long expected = ReferenceHits(groups, capacity);
            Assert.Equal(expected, r.PrefixCache!.HitBlocks);
            // For equally popular items under independent draws, LRU's hit rate is room / items: about M/8 of the template
            // blocks are found (600 draws: the sampling error of the rate is about 0.02; the few head blocks an evicted
            // template keeps add a little).
            double rate = (double)r.PrefixCache.HitBlocks / (groups.Length * 64);
            Assert.InRange(rate, m / 8.0 - 0.05, m / 8.0 + 0.05);
            Assert.True(rate < last || m == 8, $"hit rate {rate} at room for {m} templates, {last} with more room");
            last = rate;
        }
    }

    [Fact]
    public void Cycling_through_more_templates_than_fit_finds_only_what_lru_left()
    {
        // Templates 1, 2, 3, 1, 2, 3, ... with room for two: each request's template is the least recently used and is
        // evicted tail first to make room, so only its head blocks that survived are found; the reference LRU says how many.
        var groups = Enumerable.Range(0, 60).Select(i => 1 + i % 3).ToArray();
        int capacity = Room(2);
        var r = ServingSimulator.Run(Setups.Cluster(Cached() with { KvBlockLimit = capacity }), Templates(groups), new RunOptions());
        Assert.Equal(ReferenceHits(groups, capacity), r.PrefixCache!.HitBlocks);
        // With room for all three, every template after its first use is found whole.
        int roomy = Room(3);
        var all = ServingSimulator.Run(Setups.Cluster(Cached() with { KvBlockLimit = roomy }), Templates(groups), new RunOptions());
        Assert.Equal(57L * 64, all.PrefixCache!.HitBlocks);
        // Room for two of three in a cycle: LRU always evicts the template needed next, so under a tenth of the blocks are found.
        Assert.InRange(r.PrefixCache.HitBlocks, 1, all.PrefixCache.HitBlocks / 10);
    }

    [Fact]
    public void Session_turns_find_the_conversation_so_far()
    {
        // Sessions of 4 turns, 100-token messages, 50-token answers, 1 s think time, no system prompt. Turn t resends
        // everything: prompts 100, 250, 400, 550. What turn t finds is the whole blocks of the previous prompt + answer less
        // its last token (never fed back): (100 + 50 - 1) -> 144, (250 + 50 - 1) -> 288, (400 + 50 - 1) -> 448.
        var cls = new RequestClass("chat", 1, new FixedLength(100), new FixedLength(50), Slo.None) { Session = new SessionSpec(new FixedLength(4), 1) };
        var work = new WorkloadSpec("sessions", [cls], new ConstantArrivals(0.05));
        var records = new RecordList();
        var r = ServingSimulator.Run(Setups.Cluster(Cached()), work, new RunOptions { Seed = 3, Requests = 40 }, records);
        Assert.Equal(40, r.Completed);
        var byInput = records.Records.GroupBy(x => x.InputTokens).ToDictionary(g => g.Key, g => g.Select(x => x.CachedTokens).Distinct().Single());
        Assert.Equal(new[] { 100, 250, 400, 550 }, byInput.Keys.Order());
        Assert.Equal(0, byInput[100]);
        Assert.Equal(144, byInput[250]);
        Assert.Equal(288, byInput[400]);
        Assert.Equal(448, byInput[550]);
        // A session's next turn arrives after its previous one completed.
        var ordered = records.Records.OrderBy(x => x.ArrivalTime).ToList();
        Assert.Equal(10, ordered.Count(x => x.InputTokens == 100));
    }

    [Fact]
    public void Prefix_affinity_routing_keeps_templates_on_the_replica_that_holds_them()
    {
        // 4 replicas, 16 templates of 1,024 tokens: round robin spreads each template over every replica (each computes
        // it once at least), prefix affinity keeps each on one (computed once), so it finds more.
        var rng = new Xoshiro256StarStar(9, threadSafe: false);
        var groups = Enumerable.Range(0, 400).Select(_ => 1 + rng.Next(16)).ToArray();
        var rows = groups.Select((g, i) => new TraceRow(i * 0.05, 1044, 20) { PrefixGroup = g, PrefixTokens = 1024 }).ToArray();
        var work = new WorkloadSpec("t", [new RequestClass("t", 1, new FixedLength(1044), new FixedLength(20), Slo.None)],
            new TraceArrivals(new Trace("t", TraceFormat.BurstGpt, rows, 0, [], [])));
        var rr = ServingSimulator.Run(Setups.Cluster(Cached(), 4, RouterKind.RoundRobin), work, new RunOptions());
        var affinity = new RecordList();
        var pa = ServingSimulator.Run(Setups.Cluster(Cached(), 4, RouterKind.PrefixAffinity), work, new RunOptions(), affinity);
        Assert.True(pa.PrefixCache!.HitBlocks > rr.PrefixCache!.HitBlocks, $"{pa.PrefixCache.HitBlocks} <= {rr.PrefixCache.HitBlocks}");
        // Low load: each template stays on the replica it went to first, so it is computed about once (a request that
        // arrives while its template's first prefill is still queued misses); every replica gets some templates.
        Assert.InRange(pa.PrefixCache.HitBlocks, (groups.Length - 16) * 64L * 95 / 100, (groups.Length - 16) * 64L);
        Assert.True(affinity.Records.Select(x => x.Replica).Distinct().Count() > 1);
        foreach (var g in affinity.Records.GroupBy(x => groups[(int)x.Id]))
            Assert.Single(g.Select(x => x.Replica).Distinct());
    }

    [Fact]
    public void Prefix_affinity_gives_way_to_the_least_loaded_replica_beyond_its_load_bound()
    {
        // One system prompt for everyone at a high rate: pure affinity would send everything to replica 0; the load bound
        // (32 outstanding beyond the least loaded) spreads the load once replica 0 falls behind.
        var work = Setups.Fixed(1100, 200, new PoissonArrivals(200)).WithSharedPrefix(1000);
        var records = new RecordList();
        var cluster = Setups.Cluster(Cached(), 3, RouterKind.PrefixAffinity);
        ServingSimulator.Run(cluster, work, new RunOptions { Seed = 2, Requests = 600 }, records);
        Assert.Equal(3, records.Records.Select(x => x.Replica).Distinct().Count());
        var tight = new RecordList();
        ServingSimulator.Run(cluster with { AffinityLoadBound = 100_000 }, work, new RunOptions { Seed = 2, Requests = 600 }, tight);
        Assert.Single(tight.Records.Select(x => x.Replica).Distinct());
    }

    [Theory]
    [InlineData(SchedulerKind.Continuous, PreemptionMode.Recompute)]
    [InlineData(SchedulerKind.Continuous, PreemptionMode.Swap)]
    [InlineData(SchedulerKind.Chunked, PreemptionMode.Recompute)]
    [InlineData(SchedulerKind.Chunked, PreemptionMode.Swap)]
    [InlineData(SchedulerKind.Static, PreemptionMode.Recompute)]
    public void Under_memory_pressure_with_shared_prefixes_and_sessions_every_request_completes_and_no_block_leaks(SchedulerKind scheduler, PreemptionMode mode)
    {
        // An L4 runs out of blocks: preemption releases shared blocks and recomputed requests find them again. The run
        // itself checks at the end that no block is held once every request has left.
        var replica = Setups.Replica(scheduler, hardware: "l4") with { PrefixCaching = true, Preemption = mode, TokenBudget = scheduler == SchedulerKind.Chunked ? 512 : 8192 };
        var classes = new[]
        {
            new RequestClass("few-shot", 2, new UniformLength(100, 3000), new UniformLength(50, 1500), Slo.None) { Prefix = new SharedPrefix(1500, 4, "fs") },
            new RequestClass("chat", 1, new UniformLength(50, 400), new UniformLength(20, 600), Slo.None) { Session = new SessionSpec(new UniformLength(1, 5), 0.5), Prefix = new SharedPrefix(300, 1, "sys") },
        };
        var work = new WorkloadSpec("mixed", classes, new GammaArrivals(8, 2));
        long steps = 0;
        var r = ServingSimulator.Run(Setups.Cluster(replica, 2, RouterKind.PrefixAffinity), work, new RunOptions { Seed = 4, Requests = 300 }, null, s =>
        {
            steps++;
            Assert.True(s.UsedBlocks <= s.TotalBlocks);
        });
        Assert.Equal(r.Requests, r.Completed + r.Rejected);
        Assert.True(r.Preemptions > 0 || scheduler == SchedulerKind.Static, "no preemption: the case does not press memory");
        Assert.True(r.PrefixCache!.HitTokens > 0);
        Assert.Equal(steps, r.Steps);
    }

    [Fact]
    public void Prefix_caching_runs_are_deterministic()
    {
        var work = Presets.Get("chat", new PoissonArrivals(12)).WithSharedPrefix(700);
        var a = new RecordList();
        var b = new RecordList();
        var ra = ServingSimulator.Run(Setups.Cluster(Cached(), 2, RouterKind.PrefixAffinity), work, new RunOptions { Seed = 8, Requests = 300 }, a);
        var rb = ServingSimulator.Run(Setups.Cluster(Cached(), 2, RouterKind.PrefixAffinity), work, new RunOptions { Seed = 8, Requests = 300 }, b);
        Assert.Equal(a.Records, b.Records);
        Assert.Equal(ra.PrefixCache!.HitTokens, rb.PrefixCache!.HitTokens);
        Assert.Equal(ra.PrefixCache.Occupancy, rb.PrefixCache.Occupancy);
    }
}

/// <summary>Every scheduler composes with prefix caching and speculative decoding (the engines' schedulers included).</summary>
public class SchedulerFeatureMatrixTests
{
    [Theory]
    [InlineData(SchedulerKind.Continuous)]
    [InlineData(SchedulerKind.Chunked)]
    [InlineData(SchedulerKind.Static)]
    [InlineData(SchedulerKind.NoEvict)]
    [InlineData(SchedulerKind.Conservative)]
    public void Each_scheduler_conserves_requests_and_skips_the_cached_prefix_with_and_without_speculation(SchedulerKind kind)
    {
        // 40 requests a second apart, each prompt = the same 1,024-token system prompt (64 whole blocks) + 200 tokens:
        // every request after the first must find the 64 blocks and compute only its own tokens (vLLM's rule: the last
        // prompt token is always computed). Until this test NoEvict computed the whole prompt past the cached blocks and
        // lost requests (conservation violated).
        const int n = 40, prefix = 1024;
        var work = Setups.Fixed(prefix + 200, 20, new ConstantArrivals(1)).WithSharedPrefix(prefix);
        foreach (var spec in new SpeculativeConfig?[] { null, new(SpeculativeMethod.Ngram, 3, AcceptanceModel.Constant(0.6)) })
        {
            var replica = Setups.Replica() with { PrefixCaching = true, Scheduler = kind, MaxBatch = 16, Speculative = spec };
            var records = new RecordList();
            var r = ServingSimulator.Run(Setups.Cluster(replica), work, new RunOptions { Requests = n }, records);
            Assert.Equal(n, r.Completed);
            Assert.Equal(0, r.Rejected);
            Assert.Equal((n - 1L) * prefix, r.PrefixCache!.HitTokens);
            Assert.All(records.Records.Where(x => x.Id > 0), x => Assert.Equal(prefix, x.CachedTokens));
            Assert.All(records.Records, x => Assert.Equal(20, x.OutputTokens));
        }
    }
}
