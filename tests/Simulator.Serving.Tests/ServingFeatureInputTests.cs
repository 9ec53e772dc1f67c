using Simulator.Core.Loading;

namespace Simulator.Serving.Tests;

/// <summary>Workload files and traces that describe prefixes, sessions, per-class rates and acceptance; and their errors.</summary>
public class ServingFeatureInputTests
{
    private const string Features = """
        name: assistant
        classes:
          - name: chat
            rate: 6
            preset: chat
            prefix: {tokens: 2000}
            session: {turns: {dist: uniform, min: 2, max: 6}, think_time: 5 s}
            acceptance: 0.7
          - name: few-shot
            rate: 2
            input: {dist: uniform, min: 100, max: 400}
            output: {dist: fixed, value: 64}
            prefix: {tokens: 1500, templates: 4, group: fs}
            acceptance: [0.9, 0.8, 0.6]
            slo: {ttft: 2 s, tpot: 40 ms}
        """;

    [Fact]
    public void A_workload_file_gives_prefixes_sessions_acceptance_and_per_class_rates()
    {
        var (w, given) = WorkloadFile.Parse("assistant.yaml", Features);
        Assert.True(given);
        Assert.Equal(new PoissonArrivals(8), w.Arrivals);       // 6 + 2 requests/s, as the weights
        Assert.Equal([6.0, 2.0], w.Classes.Select(c => c.Weight));
        Assert.Equal(new SharedPrefix(2000, 1, "chat"), w.Classes[0].Prefix);
        Assert.Equal(new SharedPrefix(1500, 4, "fs"), w.Classes[1].Prefix);
        Assert.Equal(new SessionSpec(new UniformLength(2, 6), 5), w.Classes[0].Session);
        Assert.Equal(AcceptanceModel.Constant(0.7), w.Classes[0].Acceptance);
        Assert.Equal(new AcceptanceModel([0.9, 0.8, 0.6]), w.Classes[1].Acceptance);
        Assert.True(w.HasSharedPrefixes);
        // A class rate counts arrivals: chat sessions (6 per second) average 4 turns, so (6 x 4 + 2 x 1) / 8 = 3.25
        // requests per arrival.
        Assert.Equal(3.25, w.RequestsPerArrival, 12);
    }

    [Fact]
    public void Feature_errors_name_line_and_field()
    {
        const string bad = """
            classes:
              - name: a
                rate: 2
                preset: chat
                prefix: {templates: 3}
                session: {turns: 0}
                acceptance: 1.5
              - name: b
                preset: code
                acceptance: [0.9, x]
            arrival: {process: poisson, rate: 4}
            """;
        var e = Assert.Throws<SpecException>(() => WorkloadFile.Parse("bad.yaml", bad));
        var text = e.Errors.Select(x => x.ToString()).ToArray();
        Assert.Contains(text, x => x.Contains("bad.yaml:5") && x.Contains("tokens"));
        Assert.Contains(text, x => x.Contains("bad.yaml:6") && x.Contains("turns"));
        Assert.Contains(text, x => x.Contains("bad.yaml:7") && x.Contains("acceptance"));
        Assert.Contains(text, x => x.Contains("bad.yaml:8") && x.Contains("rate") && x.Contains("every class"));
        Assert.Contains(text, x => x.Contains("bad.yaml:10") && x.Contains("'x'"));
        Assert.Contains(text, x => x.Contains("bad.yaml:11") && x.Contains("rate") && x.Contains("leave the arrival rate out"));
    }

    [Fact]
    public void Prompts_are_never_shorter_than_their_shared_prefix_plus_one_token()
    {
        var work = Setups.Fixed(50, 4, new ConstantArrivals(1)).WithSharedPrefix(500);
        var records = new RecordList();
        ServingSimulator.Run(Setups.Cluster(Setups.Replica()), work, new RunOptions { Requests = 3 }, records);
        Assert.All(records.Records, x => Assert.Equal(501, x.InputTokens));
    }

    private const string Sessions = """
        Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type,session_id,prefix_group,prefix_tokens
        0,ChatGPT,600,100,700,Conversation log,a,sys,500
        1,ChatGPT,520,40,560,Conversation log,b,sys,500
        30,ChatGPT,800,60,860,Conversation log,a,sys,500
        31,ChatGPT,90,10,100,API log,,,
        """;

    [Fact]
    public void Trace_columns_give_sessions_and_prefix_groups()
    {
        var t = TraceReader.Read(new StringReader(Sessions), TraceFormat.BurstGpt, "s.csv");
        Assert.Equal(0, t.BrokenRows);
        Assert.Equal([1, 2, 1, 0], t.Rows.Select(r => r.Session));
        Assert.Equal([1, 1, 1, 0], t.Rows.Select(r => r.PrefixGroup));
        Assert.Equal([500, 500, 500, 0], t.Rows.Select(r => r.PrefixTokens));
        Assert.True(t.HasPrefixColumns);
        // Replayed with prefix caching: row 2 finds the shared 500-token prompt (31 whole blocks = 496 tokens), row 3
        // (session a's second turn) the whole blocks of 600 + 100 - 1 = 699 tokens (688), the last row nothing.
        var work = new WorkloadSpec("s", [new RequestClass("trace", 1, new FixedLength(1), new FixedLength(1), Slo.None)], new TraceArrivals(t));
        var records = new RecordList();
        ServingSimulator.Run(Setups.Cluster(Setups.Replica() with { PrefixCaching = true }), work, new RunOptions(), records);
        Assert.Equal([0, 496, 688, 0], records.Records.OrderBy(x => x.Id).Select(x => x.CachedTokens));
    }

    [Fact]
    public void A_prefix_group_without_its_token_count_is_an_error()
    {
        const string text = """
            Timestamp,Request tokens,Response tokens,prefix_group
            0,100,10,a
            """;
        var e = Assert.Throws<TraceException>(() => TraceReader.Read(new StringReader(text), TraceFormat.BurstGpt, "g.csv"));
        Assert.Contains("prefix_tokens", e.Message);
        const string badCount = """
            Timestamp,Request tokens,Response tokens,prefix_group,prefix_tokens
            0,100,10,a,lots
            1,100,10,a,50
            """;
        var t = TraceReader.Read(new StringReader(badCount), TraceFormat.BurstGpt, "g.csv");
        Assert.Equal(1, t.BrokenRows);
        Assert.Equal(2, t.FirstBroken[0].Line);
        Assert.Contains("prefix_tokens 'lots'", t.FirstBroken[0].Reason);
    }

    [Fact]
    public void Serving_features_that_cannot_run_say_why()
    {
        var plain = Setups.Replica();
        var noDraft = plain with { Speculative = new SpeculativeConfig(SpeculativeMethod.Draft, 4, AcceptanceModel.Constant(0.7)) };
        Assert.Contains(noDraft.Validate(), x => x.Contains("draft model"));
        var otherTokenizer = plain with { Speculative = new SpeculativeConfig(SpeculativeMethod.Draft, 4, AcceptanceModel.Constant(0.7)) { DraftModel = Setups.Lib.Model("qwen2.5-7b") } };
        Assert.Contains(otherTokenizer.Validate(), x => x.Contains("tokenizer"));
        var bigK = plain with { Speculative = new SpeculativeConfig(SpeculativeMethod.Ngram, 40, AcceptanceModel.Constant(0.7)) };
        Assert.Contains(bigK.Validate(), x => x.Contains("k from 1"));
        var noLink = plain with { HostLink = null, KvOffload = new KvOffloadConfig(1e9) };
        Assert.Contains(noLink.Validate(), x => x.Contains("host link"));
    }
}
