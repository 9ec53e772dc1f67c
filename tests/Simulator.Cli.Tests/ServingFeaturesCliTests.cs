using System.Text.Json;

namespace Simulator.Cli.Tests;

/// <summary>The serving-feature flags of <c>simulate</c> and <c>plan</c>: outputs when on, nothing new when off, clear errors.</summary>
public class ServingFeaturesCliTests
{
    private static readonly string[] Base = ["simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm"];

    private static string Temp(string ext) => Path.Combine(Path.GetTempPath(), $"llmsim-sf-{Guid.NewGuid():N}{ext}");

    [Fact]
    public void The_shipped_doc_qa_workload_needs_the_host_tier_that_holds_its_32_documents()
    {
        // README's KV-offload example: 32 documents x 4,000 tokens = 16 GB of KV, above one L4's 26,912-token cache
        // (3.5 GB). Without a host tier most document blocks are evicted before their next question; with 64 GiB of
        // host memory nearly every question after a document's first finds it.
        string file = Path.Combine(Simulator.Tests.RepoPaths.Root, "workloads", "doc-qa.yaml");
        double Hits(params string[] extra)
        {
            var (code, json, err) = CliRunner.Run(["simulate", "--model", "llama-3.1-8b", "--hardware", "l4", "--workload", file, "--requests", "600",
                "--prefix-caching", "on", .. extra, "--format", "json"]);
            Assert.True(code == 0, err);
            return JsonDocument.Parse(json).RootElement.GetProperty("prefixCache").GetProperty("blockHitRate").GetDouble();
        }
        double device = Hits(), host = Hits("--kv-offload", "64GiB");
        Assert.InRange(device, 0.05, 0.4);
        // 600 questions over 32 documents: at most 32 first reads miss (about 4,000 of 4,200 prompt tokens are shared).
        Assert.True(host > 0.85, $"host tier hit rate {host}");
    }

    [Fact]
    public void Several_classes_report_their_own_latency_percentiles_and_one_class_adds_nothing()
    {
        string file = Path.Combine(Simulator.Tests.RepoPaths.Root, "workloads", "assistant.yaml");
        var (code, json, err) = CliRunner.Run(["simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--workload", file, "--requests", "300", "--format", "json"]);
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(json).RootElement;
        long completed = 0;
        foreach (var c in root.GetProperty("classes").EnumerateArray())
        {
            // Each class's TTFT/TPOT summary counts exactly its completed requests, and the classes add up to the run.
            Assert.Equal(c.GetProperty("completed").GetInt64(), c.GetProperty("ttft").GetProperty("count").GetInt64());
            Assert.True(c.GetProperty("ttft").GetProperty("p90").GetDouble() <= root.GetProperty("ttft").GetProperty("max").GetDouble());
            completed += c.GetProperty("completed").GetInt64();
        }
        Assert.Equal(root.GetProperty("completed").GetInt64(), completed);
        Assert.Equal(root.GetProperty("ttft").GetProperty("count").GetInt64(), completed);
        var (_, one, _) = CliRunner.Run([.. Base, "--rate", "2", "--requests", "50", "--format", "json"]);
        Assert.False(JsonDocument.Parse(one).RootElement.GetProperty("classes")[0].TryGetProperty("ttft", out _));
    }

    [Fact]
    public void Prefix_caching_reports_hit_rates_saved_prefill_and_occupancy()
    {
        var (code, stdout, err) = CliRunner.Run([.. Base, "--rate", "2", "--requests", "100", "--input-tokens", "2100", "--output-tokens", "20",
            "--shared-prefix-tokens", "2000", "--prefix-caching", "on", "--format", "json"]);
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.True(root.GetProperty("prefixCaching").GetBoolean());
        Assert.Equal(2000, root.GetProperty("sharedPrefixTokens").GetInt32());
        var pc = root.GetProperty("prefixCache");
        // 99 of 100 requests find 2,000 of their 2,100 prompt tokens: 198,000 / 210,000.
        Assert.Equal(198_000, pc.GetProperty("prefillTokensSaved").GetInt64());
        Assert.Equal(198_000.0 / 210_000, pc.GetProperty("tokenHitRate").GetDouble(), 12);
        Assert.Equal(99.0 * 125 / (100 * 131), pc.GetProperty("blockHitRate").GetDouble(), 12);
        Assert.True(pc.GetProperty("occupancy").GetArrayLength() > 0);
        var (_, table, _) = CliRunner.Run([.. Base, "--rate", "2", "--requests", "100", "--input-tokens", "2100", "--output-tokens", "20",
            "--shared-prefix-tokens", "2000", "--prefix-caching", "on"]);
        Assert.Contains("prefix cache: hit rate 94.3 % of prompt tokens (198,000 of 210,000: prefill tokens saved)", table);
    }

    [Fact]
    public void The_requests_file_gains_a_cached_tokens_column_only_with_prefix_caching()
    {
        string on = Temp(".csv"), off = Temp(".csv");
        try
        {
            string[] args = [.. Base, "--rate", "2", "--requests", "5", "--input-tokens", "600", "--output-tokens", "5", "--shared-prefix-tokens", "500"];
            Assert.Equal(0, CliRunner.Run([.. args, "--prefix-caching", "on", "--requests-out", on]).Code);
            Assert.Equal(0, CliRunner.Run([.. args, "--requests-out", off]).Code);
            var onLines = File.ReadAllLines(on);
            Assert.EndsWith(",rejectReason,cachedTokens", onLines[0]);
            Assert.Equal("496", onLines[^1].Split(',')[^1]); // 31 whole blocks of the 500-token prompt
            Assert.EndsWith(",rejectReason", File.ReadAllLines(off)[0]);
        }
        finally { File.Delete(on); File.Delete(off); }
    }

    [Fact]
    public void Speculative_decoding_reports_tokens_per_verification()
    {
        var (code, stdout, err) = CliRunner.Run([.. Base, "--rate", "1", "--requests", "30", "--output-tokens", "300",
            "--speculative", "draft,k=4,acceptance=0.7,draft=llama-3.2-1b", "--format", "json"]);
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("draft", root.GetProperty("speculative").GetProperty("method").GetString());
        Assert.Equal("llama-3.2-1b", root.GetProperty("speculative").GetProperty("draftModel").GetString());
        var s = root.GetProperty("speculation");
        Assert.Equal(2.7731, s.GetProperty("expectedTokensPerVerification").GetDouble(), 4);
        Assert.InRange(s.GetProperty("tokensPerVerification").GetDouble(), 2.6, 2.95);
        Assert.True(s.GetProperty("draftSeconds").GetDouble() > 0);
    }

    [Fact]
    public void Runs_without_the_features_carry_none_of_their_fields()
    {
        var (code, stdout, _) = CliRunner.Run([.. Base, "--rate", "4", "--requests", "50", "--format", "json"]);
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(stdout).RootElement;
        foreach (var field in new[] { "prefixCaching", "sharedPrefixTokens", "kvOffload", "speculative", "prefixCache", "speculation" })
            Assert.False(root.TryGetProperty(field, out _), field);
    }

    [Theory]
    [InlineData("--speculative: the method must be draft, eagle, mtp or ngram", "--speculative", "medusa,k=2,acceptance=0.6")]
    [InlineData("--speculative: give acceptance=A", "--speculative", "ngram,k=3")]
    [InlineData("--speculative: the draft method needs draft=MODEL", "--speculative", "draft,acceptance=0.7")]
    [InlineData("--speculative: k must be a whole number from 1 to 16", "--speculative", "eagle,k=40,acceptance=0.7")]
    [InlineData("--speculative: acceptance must be a rate from 0 to below 1", "--speculative", "mtp,acceptance=1.2")]
    [InlineData("must share the target's tokenizer", "--speculative", "draft,acceptance=0.7,draft=qwen2.5-7b")]
    [InlineData("--prefix-caching must be on, off", "--prefix-caching", "yes")]
    [InlineData("--shared-prefix-tokens: 0 is outside", "--shared-prefix-tokens", "0")]
    [InlineData("--kv-offload-ssd and --kv-offload-ssd-bandwidth need --kv-offload", "--kv-offload-ssd", "2 TB")]
    [InlineData("--kv-offload: '256' has no unit", "--kv-offload", "256")]
    [InlineData("Did you mean 'prefix-affinity'", "--router", "prefix-afinity")]
    public void Bad_feature_input_exits_2_naming_the_option(string words, params string[] args)
    {
        var (code, _, err) = CliRunner.Run([.. Base, .. args, "--requests", "10"]);
        Assert.Equal(Cli.BadInput, code);
        Assert.Contains(words, err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Plan_reads_a_workload_file_with_classes_and_reports_each_class()
    {
        string file = Temp(".yaml");
        File.WriteAllText(file, """
            classes:
              - name: chat
                rate: 4
                preset: chat
                prefix: {tokens: 1000}
              - name: batch
                rate: 1
                input: {dist: fixed, value: 4000}
                output: {dist: fixed, value: 300}
                slo: {ttft: 20 s, tpot: 100 ms}
            """);
        try
        {
            var (code, stdout, err) = CliRunner.Run(["plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--workload", file, "--format", "json", "--top", "1"]);
            Assert.True(code == 0, err);
            var root = JsonDocument.Parse(stdout).RootElement;
            Assert.Equal(5, root.GetProperty("rate").GetDouble(), 12);
            var best = root.GetProperty("plans")[0];
            Assert.Equal(2, best.GetProperty("classes").GetArrayLength());
            Assert.True(best.GetProperty("classes")[1].GetProperty("meetsSlo").GetBoolean());
            Assert.Contains("prefix caching", best.GetProperty("featureChoice").GetString());
            var (_, text, _) = CliRunner.Run(["plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--workload", file, "--top", "1"]);
            Assert.Contains("classes of #1 (p90 against each class's targets): chat TTFT", text);
            Assert.Contains("serving features of #1: prefix caching on", text);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Plan_needs_a_rate_when_the_workload_file_gives_none()
    {
        string file = Temp(".yaml");
        File.WriteAllText(file, "classes:\n  - preset: chat\n");
        try
        {
            var (code, _, err) = CliRunner.Run(["plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--workload", file]);
            Assert.Equal(Cli.BadInput, code);
            Assert.Contains("--rate is required", err);
            var (code2, _, err2) = CliRunner.Run(["plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--workload", "chatt", "--rate", "1"]);
            Assert.Equal(Cli.BadInput, code2);
            Assert.Contains("is neither a preset", err2);
        }
        finally { File.Delete(file); }
    }
}
