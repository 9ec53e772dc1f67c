using MathNet.Numerics.Random;
using Simulator.Roofline;

namespace Simulator.Serving.Tests;

/// <summary>Speculative decoding: the acceptance model, TPOT at batch 1 against the closed form, the gain against batch, the drafter's memory.</summary>
public class SpeculativeDecodingTests
{
    private static SpeculativeConfig DraftOneB(double alpha = 0.7, int k = 4) =>
        new(SpeculativeMethod.Draft, k, AcceptanceModel.Constant(alpha)) { DraftModel = Setups.Lib.Model("llama-3.2-1b") };

    [Theory]
    [InlineData(0.7, 4, 2.77310)]  // (1 - 0.7^5) / 0.3 = 0.83193 / 0.3
    [InlineData(0.9, 1, 1.9)]      // 1 + 0.9
    [InlineData(0.5, 3, 1.875)]    // 1 + 0.5 + 0.25 + 0.125
    public void Expected_tokens_per_step_is_the_geometric_sum(double alpha, int k, double expected)
    {
        var m = AcceptanceModel.Constant(alpha);
        Assert.Equal(expected, m.ExpectedTokens(k), 4);
        Assert.Equal((1 - Math.Pow(alpha, k + 1)) / (1 - alpha), m.ExpectedTokens(k), 12);
        // Sampled: 200,000 draws land within 0.5% of the expectation.
        var rng = new Xoshiro256StarStar(1, threadSafe: false);
        double mean = Enumerable.Range(0, 200_000).Average(_ => m.Sample(rng, k));
        Assert.InRange(mean / expected, 0.995, 1.005);
    }

    [Fact]
    public void Per_position_rates_multiply_along_the_draft()
    {
        // p = 0.9, 0.8, 0.5: E = 1 + 0.9 + 0.72 + 0.36 = 2.98; positions past the list use its last rate.
        var m = new AcceptanceModel([0.9, 0.8, 0.5]);
        Assert.Equal(2.98, m.ExpectedTokens(3), 12);
        Assert.Equal(2.98 + 0.18, m.ExpectedTokens(4), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AcceptanceModel([1.0]));
    }

    [Fact]
    public void A_verification_of_one_token_costs_a_decode_step()
    {
        var cm = new CostModel(Setups.Deploy());
        var a = BatchShape.Create();
        a.AddDecode(1000);
        var b = BatchShape.Create();
        b.AddVerify(1000, 1);
        Assert.Equal(cm.StepSeconds(a), cm.StepSeconds(b), 15);
        // Five query tokens read the same cached K/V once: more FLOPs, not five times the KV bytes.
        var five = BatchShape.Create();
        five.AddVerify(1000, 5);
        Assert.Equal(1005, five.DecodeKvTokens);
        Assert.Equal(5 * 1000 + 15, five.DecodePairs); // 5 x 1000 cached + 1 + 2 + 3 + 4 + 5
        Assert.True(cm.StepSeconds(five) < 1.1 * cm.StepSeconds(a));
    }

    /// <summary>Seconds of one speculative step of a lone request with <paramref name="context"/> tokens cached: the target verifies k + 1 tokens, the drafter decodes k times.</summary>
    private static double SpecStep(CostModel target, CostModel draft, int k, long context)
    {
        var v = BatchShape.Create();
        v.AddVerify(context, k + 1);
        var d = BatchShape.Create();
        d.AddDecode(context);
        return target.StepSeconds(v) + k * draft.StepSeconds(d);
    }

    [Fact]
    public void Tpot_at_batch_1_matches_the_closed_form()
    {
        // Llama-3.1-8B on an H100 drafted by Llama-3.2-1B, k = 4, alpha = 0.7: each step emits (1 - 0.7^5)/0.3 = 2.7731
        // tokens on average and costs a 5-token verification plus 4 draft decodes. One request at a time (100 s apart),
        // 512-token prompts, 1,001 output tokens: the context runs from 512 to 1,512, and step time is linear in it, so
        // TPOT = step(1,012) / 2.7731 (the 1,000 tokens after the first at the mean context).
        var spec = DraftOneB();
        var replica = Setups.Replica() with { Speculative = spec };
        var target = new CostModel(replica.Deployment);
        var draft = new CostModel(spec.DraftDeployment(replica.Deployment)!);
        double expected = SpecStep(target, draft, 4, 1012) / spec.Acceptance.ExpectedTokens(4);

        var r = ServingSimulator.Run(Setups.Cluster(replica), Setups.Fixed(512, 1001, new ConstantArrivals(0.01)), new RunOptions { Seed = 1, Requests = 8 });
        Assert.InRange(r.Tpot.Mean / expected, 0.98, 1.02);
        Assert.InRange(r.Speculation!.TokensPerVerification / 2.7731, 0.98, 1.02);
        // Against plain decoding at the same context: the speedup is decode(1,012) / (step / 2.7731).
        var d = BatchShape.Create();
        d.AddDecode(1012);
        var plain = ServingSimulator.Run(Setups.Cluster(Setups.Replica()), Setups.Fixed(512, 1001, new ConstantArrivals(0.01)), new RunOptions { Seed = 1, Requests = 8 });
        Assert.Equal(target.StepSeconds(d), plain.Tpot.Mean, 1e-4);
        Assert.True(plain.Tpot.Mean / r.Tpot.Mean > 1.3, $"speedup {plain.Tpot.Mean / r.Tpot.Mean}");
    }

    [Fact]
    public void The_speedup_falls_monotonically_with_batch_and_reverses_at_large_batch()
    {
        // Closed loops of N users (batch about N), 512-token prompts, 256 output tokens. At batch 1 the 5-token
        // verification costs about a decode step (weights dominate) and emits 2.77 tokens; at large batch the
        // verification of 5N tokens is compute-bound and the drafter's passes add up, so speculation loses.
        var spec = DraftOneB();
        double last = double.PositiveInfinity;
        var speedups = new List<double>();
        foreach (int users in new[] { 1, 4, 16, 64, 192 })
        {
            var work = Setups.Fixed(512, 256, new ClosedLoopArrivals(users, 0));
            var run = new RunOptions { Seed = 1, Requests = Math.Max(16, 3 * users) };
            double off = ServingSimulator.Run(Setups.Cluster(Setups.Replica()), work, run).Tpot.Mean;
            double on = ServingSimulator.Run(Setups.Cluster(Setups.Replica() with { Speculative = spec }), work, run).Tpot.Mean;
            double speedup = off / on;
            speedups.Add(speedup);
            Assert.True(speedup < last, $"speedups {string.Join(", ", speedups)}");
            last = speedup;
        }
        Assert.True(speedups[0] > 1.3, $"batch 1: {speedups[0]}");
        Assert.True(speedups[^1] < 1, $"batch 192: {speedups[^1]}");
    }

    [Fact]
    public void A_draft_models_weights_and_kv_cache_are_counted()
    {
        // Llama-3.1-8B KV per token on one H100: 32 layers x 2 (K, V) x 8 KV heads x 128 x 2 bytes = 131,072 B.
        // Llama-3.2-1B: 16 layers x 2 x 8 x 64 x 2 = 32,768 B. The draft's weights (its whole model) come off the
        // free memory first; then each token costs 163,840 B.
        var plain = Setups.Replica();
        var spec = plain with { Speculative = DraftOneB() };
        var mem = MemoryModel.For(plain.Deployment);
        double act = MemoryModel.ActivationBytes(plain.Deployment, plain.EffectiveTokenBudget, plain.MaxBatch);
        double draftWeights = MemoryModel.For(spec.Speculative!.DraftDeployment(plain.Deployment)!).WeightBytes;
        Assert.Equal(131_072, mem.KvBytesPerToken);
        Assert.InRange(draftWeights, 2.4e9, 2.6e9); // 1.236B parameters (tied embedding) x 2 bytes
        long expected = (long)Math.Floor((mem.FreeBytes - act - draftWeights) / (131_072 + 32_768));
        Assert.Equal(expected, spec.KvCapacityTokens());
        Assert.True(spec.KvCapacityTokens() < 0.8 * plain.KvCapacityTokens());
        // EAGLE: one Llama-3.1-8B layer's weights (218M parameters, 436 MB) and its KV (4,096 B per token).
        var eagle = plain with { Speculative = new SpeculativeConfig(SpeculativeMethod.Eagle, 3, AcceptanceModel.Constant(0.8)) };
        var (w, kv) = eagle.Speculative!.Footprint(plain.Deployment);
        Assert.Equal(4096, kv);
        Assert.InRange(w, 0.43e9, 0.44e9);
        // N-gram lookup costs no memory.
        var ngram = plain with { Speculative = new SpeculativeConfig(SpeculativeMethod.Ngram, 4, AcceptanceModel.Constant(0.5)) };
        Assert.Equal(plain.KvCapacityTokens(), ngram.KvCapacityTokens());
    }

    [Fact]
    public void Each_class_speculates_with_its_own_acceptance()
    {
        // Code (acceptance 0.9) and chat (0.3) alone on the replica: code's tokens come faster.
        var classes = new[]
        {
            new RequestClass("code", 1, new FixedLength(512), new FixedLength(400), Slo.None) { Acceptance = AcceptanceModel.Constant(0.9) },
            new RequestClass("chat", 1, new FixedLength(512), new FixedLength(400), Slo.None) { Acceptance = AcceptanceModel.Constant(0.3) },
        };
        var records = new RecordList();
        var r = ServingSimulator.Run(Setups.Cluster(Setups.Replica() with { Speculative = DraftOneB() }), new WorkloadSpec("mix", classes, new ConstantArrivals(0.05)),
            new RunOptions { Seed = 2, Requests = 20 }, records);
        double code = records.Records.Where(x => x.ClassName == "code").Average(x => x.Tpot);
        double chat = records.Records.Where(x => x.ClassName == "chat").Average(x => x.Tpot);
        // Expected tokens per step: 4.0951 (0.9) against 1.4251 (0.3): TPOT in about that ratio at batch 1.
        Assert.InRange(chat / code, 4.0951 / 1.4251 * 0.9, 4.0951 / 1.4251 * 1.1);
        Assert.True(r.Classes.First(c => c.Name == "code").Tpot.Mean < r.Classes.First(c => c.Name == "chat").Tpot.Mean);
    }

    [Fact]
    public void Eagle_mtp_and_ngram_draft_at_their_own_cost()
    {
        var work = Setups.Fixed(512, 200, new ConstantArrivals(0.1));
        var run = new RunOptions { Seed = 1, Requests = 5 };
        SimulationResult Run(SpeculativeConfig s, string model = "llama-3.1-8b", int tp = 1) =>
            ServingSimulator.Run(Setups.Cluster(Setups.Replica(model: model, tp: tp) with { Speculative = s }), work, run);
        var draft = Run(DraftOneB());
        var eagle = Run(new SpeculativeConfig(SpeculativeMethod.Eagle, 4, AcceptanceModel.Constant(0.7)));
        var ngram = Run(new SpeculativeConfig(SpeculativeMethod.Ngram, 4, AcceptanceModel.Constant(0.7)));
        Assert.Equal(0, ngram.Speculation!.DraftSeconds);
        Assert.True(eagle.Speculation!.DraftSeconds > 0 && eagle.Speculation.DraftSeconds < draft.Speculation!.DraftSeconds);
        Assert.True(ngram.Tpot.Mean < eagle.Tpot.Mean && eagle.Tpot.Mean < draft.Tpot.Mean);
        // DeepSeek-V3's MTP on 8 H200s (fp8): one MoE layer drafts one token.
        var mtp = ServingSimulator.Run(
            Setups.Cluster(new ReplicaConfig(Setups.Deploy("deepseek-v3", "h200-sxm", 8, "fp8")) { Speculative = new SpeculativeConfig(SpeculativeMethod.Mtp, 1, AcceptanceModel.Constant(0.85)) }),
            work, run);
        Assert.InRange(mtp.Speculation!.TokensPerVerification, 1.7, 2.0);
        Assert.True(mtp.Speculation.DraftSeconds > 0);
    }

    [Fact]
    public void Speculative_runs_are_deterministic_and_seeds_matter()
    {
        var replica = Setups.Replica() with { Speculative = DraftOneB() };
        var work = Presets.Get("chat", new PoissonArrivals(6));
        RecordList Run(int seed)
        {
            var list = new RecordList();
            ServingSimulator.Run(Setups.Cluster(replica, 2, RouterKind.LeastOutstanding), work, new RunOptions { Seed = seed, Requests = 200 }, list);
            return list;
        }
        Assert.Equal(Run(4).Records, Run(4).Records);
        Assert.NotEqual(Run(4).Records, Run(5).Records);
    }
}
