using System.Text.Json;
using Simulator.Tests;

namespace Simulator.Cli.Tests;

/// <summary>--engine on estimate, simulate, plan and report; --max-concurrency; validate on serving result files.</summary>
public class EngineCliTests
{
    private static string Fixture(string name) => Path.Combine(RepoPaths.Fixtures, "serving", name);

    [Fact]
    public void Estimate_with_trtllm_says_the_engine_and_runs_an_fp8_checkpoint_with_an_fp8_kv_cache()
    {
        var (code, o, e) = CliRunner.Run("estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--quant", "fp8", "--batch", "1", "--input", "128", "--output", "64", "--engine", "trtllm");
        Assert.True(code == 0, e);
        Assert.Contains("engine trtllm@1.0", o);
        Assert.Contains("KV cache fp8", o);
        Assert.Contains("(fp8kv8, KV fp8, TP1 PP1)", o);
        Assert.Contains("note: trtllm@1.0: an FP8 checkpoint runs with an FP8 KV cache", o);
        var (jc, json, _) = CliRunner.Run("estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--quant", "fp8", "--engine", "vllm", "--format", "json");
        Assert.Equal(0, jc);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("vllm@0.11", root.GetProperty("engine").GetString());
        Assert.Equal("bf16", root.GetProperty("kvCacheDtype").GetString()); // vLLM keeps the model dtype
    }

    [Theory]
    // Engine defaults from the profiles' sources: vLLM V1, SGLang's radix cache and TensorRT-LLM 1.0's block reuse
    // cache prefixes; the 0.x TensorRT engine flow does not.
    [InlineData("vllm@0.11", null, true)]
    [InlineData("sglang@0.5.4", null, true)]
    [InlineData("trtllm@1.0", null, true)]
    [InlineData("trtllm@0.14", null, false)]
    [InlineData("vllm@0.11", "off", false)]
    [InlineData("trtllm@0.14", "on", true)]
    public void Prefix_caching_follows_the_engine_default_unless_the_user_sets_it(string engine, string? option, bool expected)
    {
        string[] args = ["simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--engine", engine, "--shared-prefix-tokens", "1000", "--rate", "2", "--requests", "60", "--format", "json"];
        if (option is not null) args = [.. args, "--prefix-caching", option];
        var (code, json, e) = CliRunner.Run(args);
        Assert.True(code == 0, e);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal(expected, root.TryGetProperty("prefixCaching", out var pc) && pc.GetBoolean());
        // With caching on, 1,000 shared tokens of every prompt after the first are hits; off, there is no cache report.
        Assert.Equal(expected, root.TryGetProperty("prefixCache", out var cache) && cache.GetProperty("hitTokens").GetInt64() > 0);
        var (tc, text, _) = CliRunner.Run([.. args.Where(a => a != "--format" && a != "json")]);
        Assert.Equal(0, tc);
        // The table names the engine's default and warns when shared prefixes are computed in full.
        Assert.Contains($"prefix caching {(engine == "trtllm@0.14" ? "off" : "on")} by default", text);
        Assert.Equal(!expected, text.Contains("every prompt is computed in full"));
    }

    [Fact]
    public void Without_an_engine_every_output_says_generic_engine()
    {
        // The issue's rule: without --engine, today's behaviour stays and the output says "generic engine" (table and JSON).
        foreach (var args in new[]
        {
            new[] { "estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm" },
            ["simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "2", "--requests", "20"],
            ["plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "2", "--check", "analytic"],
        })
        {
            var (code, json, e) = CliRunner.Run([.. args, "--format", "json"]);
            Assert.True(code == 0, e);
            var root = JsonDocument.Parse(json).RootElement;
            Assert.Equal("generic", root.GetProperty("engine").GetString());
            Assert.False(root.TryGetProperty("kvMemoryRule", out _));
            var (tc, text, _) = CliRunner.Run(args);
            Assert.Equal(0, tc);
            Assert.Contains("engine generic (no --engine)", text);
        }
    }

    [Fact]
    public void An_engine_on_a_device_it_does_not_run_on_is_refused_and_one_it_does_not_describe_is_said()
    {
        // TensorRT-LLM runs on NVIDIA GPUs only: on an MI300X every verb refuses (exit 2) instead of pricing an engine
        // that cannot run there.
        foreach (var verb in new[] { new[] { "estimate", "--model", "llama-3.1-8b", "--hardware", "mi300x" },
                     ["simulate", "--model", "llama-3.1-8b", "--hardware", "mi300x", "--requests", "10"],
                     ["plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm,mi300x", "--rate", "2", "--check", "analytic"] })
        {
            var (code, _, err) = CliRunner.Run([.. verb, "--engine", "trtllm"]);
            Assert.Equal(2, code);
            Assert.Contains("TensorRT-LLM runs on NVIDIA GPUs only; mi300x is a gpu by AMD", err);
        }
        // vLLM on Gaudi 2 runs its HPU backend, which the CUDA profile does not describe: the output says so.
        var (ec, json, ee) = CliRunner.Run("estimate", "--model", "llama-3.1-8b", "--hardware", "gaudi2", "--engine", "vllm", "--format", "json");
        Assert.True(ec == 0, ee);
        Assert.Contains(JsonDocument.Parse(json).RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("does not describe"));
        var (pc, plan, pe) = CliRunner.Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm,gaudi2", "--rate", "2", "--check", "analytic", "--engine", "vllm");
        Assert.True(pc == 0, pe);
        Assert.Contains("default: vllm@0.11 describes the engine's CUDA/ROCm build; on gaudi2", plan);
    }

    [Fact]
    public void Report_and_day_say_which_engine_they_cost_with()
    {
        using var dir = new TempDir();
        var (rc, _, re) = CliRunner.Run("report", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "2", "--check", "analytic", "--engine", "vllm@0.11", "-o", dir["r.html"]);
        Assert.True(rc == 0, re);
        Assert.Contains("vllm@0.11", File.ReadAllText(dir["r.html"]));
        var (gc, _, ge) = CliRunner.Run("report", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "2", "--check", "analytic", "-o", dir["g.html"]);
        Assert.True(gc == 0, ge);
        Assert.Contains("engine generic (no --engine)", File.ReadAllText(dir["g.html"]));
        string[] day = ["day", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rates", "1,2,4,2"];
        var (dc, json, de) = CliRunner.Run([.. day, "--engine", "sglang@0.5.4", "--format", "json"]);
        Assert.True(dc == 0, de);
        Assert.Equal("sglang@0.5.4", JsonDocument.Parse(json).RootElement.GetProperty("engine").GetString());
        var (_, text, _) = CliRunner.Run([.. day, "--engine", "sglang@0.5.4"]);
        Assert.Contains("engine sglang@0.5.4: replicas costed with", text);
        var (_, generic, _) = CliRunner.Run([.. day, "--format", "json"]);
        Assert.Equal("generic", JsonDocument.Parse(generic).RootElement.GetProperty("engine").GetString());
    }

    [Fact]
    public void Calibrate_on_serving_results_refuses_without_a_held_out_part_and_writes_nothing()
    {
        // One run cannot be both fitted and held out: before, this was an internal error (exit 70).
        using var dir = new TempDir();
        var (code, _, err) = CliRunner.Run("calibrate", "--measured", Fixture("vllm-0.11-random-detailed.json"), "--engine", "vllm@0.11", "-o", dir["cal.yaml"]);
        Assert.Equal(2, code);
        Assert.Contains("runs to fit and runs to hold out", err);
        Assert.Contains("nothing written", err);
        Assert.DoesNotContain("internal error", err);
        Assert.False(File.Exists(dir["cal.yaml"]));
        var (c2, _, e2) = CliRunner.Run("calibrate", "--measured", Fixture("vllm-0.11-random-detailed.json"), "-o", dir["cal.yaml"]);
        Assert.Equal(2, c2);
        Assert.Contains("--engine is required", e2);
    }

    [Fact]
    public void A_wrong_engine_name_is_bad_input_with_the_closest_names()
    {
        var (code, _, e) = CliRunner.Run("estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--engine", "vlm");
        Assert.Equal(2, code);
        Assert.Contains("unknown engine 'vlm'", e);
        Assert.Contains("vllm", e);
    }

    [Fact]
    public void Simulate_with_an_engine_reports_it_and_its_scheduler()
    {
        var (code, json, e) = CliRunner.Run("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--engine", "sglang", "--rate", "4", "--requests", "100", "--format", "json");
        Assert.True(code == 0, e);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("sglang@0.5.4", root.GetProperty("engine").GetString());
        Assert.Equal("conservative", root.GetProperty("scheduler").GetString());
        Assert.Equal(1, root.GetProperty("blockSize").GetInt32());
        Assert.Equal(100, root.GetProperty("completed").GetInt64());
        // An explicit option wins over the engine's default.
        var (c2, j2, _) = CliRunner.Run("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--engine", "sglang", "--max-batch", "64", "--rate", "4", "--requests", "50", "--format", "json");
        Assert.Equal(0, c2);
        Assert.Equal(64, JsonDocument.Parse(j2).RootElement.GetProperty("maxBatch").GetInt32());
    }

    [Fact]
    public void Max_concurrency_caps_an_open_loop_rate_and_needs_one()
    {
        var (code, o, e) = CliRunner.Run("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "100", "--max-concurrency", "4", "--requests", "100");
        Assert.True(code == 0, e);
        Assert.Contains("at most 4 in flight", o);
        var (bad, _, err) = CliRunner.Run("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--max-concurrency", "4");
        Assert.Equal(2, bad);
        Assert.Contains("--concurrency", err);
    }

    [Fact]
    public void Plan_with_an_engine_names_it_in_the_json()
    {
        var (code, json, e) = CliRunner.Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "5", "--engine", "trtllm", "--check", "analytic", "--format", "json");
        Assert.True(code == 0, e);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("trtllm@1.0", root.GetProperty("engine").GetString());
        Assert.True(root.GetProperty("plans").GetArrayLength() > 0);
    }

    [Fact]
    public void Validate_simulates_a_vllm_result_file_and_prints_the_targets()
    {
        var (code, o, e) = CliRunner.Run("validate", "--measured", Fixture("vllm-0.11-random-detailed.json"), "--engine", "vllm");
        Assert.True(code == 0, e);
        Assert.Contains("1 serving runs", o);
        Assert.Contains("low load", o);
        Assert.Contains("targets (held-out runs)", o);
        var (jc, json, _) = CliRunner.Run("validate", "--measured", Fixture("vllm-0.11-random-detailed.json"), "--format", "json");
        Assert.Equal(0, jc);
        var rows = JsonDocument.Parse(json).RootElement.GetProperty("rows");
        Assert.Contains(rows.EnumerateArray(), r => r.GetProperty("metric").GetString() == "ttft_p99" && r.GetProperty("predicted").ValueKind == JsonValueKind.Number);
    }

    [Fact]
    public void Validate_reads_each_format_given_the_gpu()
    {
        foreach (var (file, extra) in new[]
                 {
                     ("sglang-0.5.4-bench_serving.jsonl", new[] { "--model", "llama-3.1-8b" }),
                     ("trtllm-bench-1.0-report.json", new[] { "--max-requests", "300" }),
                     ("aiperf-0.1.1-profile_export_aiperf.json", Array.Empty<string>()),
                     ("genai-perf-profile_export_genai_perf.json", Array.Empty<string>()),
                 })
        {
            var (code, o, e) = CliRunner.Run(["validate", "--measured", Fixture(file), "--hardware", "h100-sxm", .. extra]);
            Assert.True(code == 0, $"{file}: {e}");
            Assert.Contains("serving runs", o);
        }
    }

    [Fact]
    public void A_serving_result_without_its_gpu_is_bad_input()
    {
        var (code, _, e) = CliRunner.Run("validate", "--measured", Fixture("trtllm-bench-1.0-report.json"));
        Assert.Equal(2, code);
        Assert.Contains("--hardware", e);
    }
}
