using Simulator.Core.Loading;
using Simulator.Tests;

namespace Simulator.Validation.Tests;

/// <summary>
/// The serving result readers, one test per format on a file written field for field from the tool's documented schema
/// (tests/fixtures/serving/README.md names each schema's source): every field lands in the right metric, in seconds or
/// per second, with the setup the file records.
/// </summary>
public class ServingReaderTests
{
    private static string Fixture(string name) => Path.Combine(RepoPaths.Fixtures, "serving", name);

    private static double M(ServingRecord r, string name) => r.Metrics.Single(m => m.Name == name).Value;

    [Fact]
    public void Vllm_bench_serve_json_with_detailed_arrays_and_metadata()
    {
        var read = ServingFiles.Read(Fixture("vllm-0.11-random-detailed.json"));
        Assert.Empty(read.Problems);
        var r = Assert.Single(read.Records);
        Assert.Equal("vllm", r.Format);
        var s = r.Setup;
        // --metadata hardware=h100-sxm tp=1 are top-level keys; the model id maps to the spec name.
        Assert.Equal(("vllm", "h100-sxm", "llama-3.1-8b", 1), (s.Engine, s.Device, s.Model, s.Tp));
        Assert.Equal(ServingLoad.Rate, s.Load);
        Assert.Equal(2.0, s.RequestRate);
        Assert.Equal(4, s.NumPrompts);
        Assert.Equal([128, 128, 128, 128], s.InputLens);
        Assert.Equal(0.020675, M(r, "ttft_mean"), 9);   // mean_ttft_ms 20.675
        Assert.Equal(0.0207, M(r, "ttft_median"), 9);
        Assert.Equal(0.00066, M(r, "ttft_std"), 9);
        Assert.Equal(0.02147, M(r, "ttft_p99"), 9);
        Assert.Equal(0.00704, M(r, "tpot_mean"), 9);
        Assert.Equal(0.0072, M(r, "itl_p99"), 9);
        Assert.Equal(190.73, M(r, "output_throughput"));
        Assert.Equal(381.47, M(r, "total_token_throughput"));
        Assert.Empty(read.Warnings);
    }

    [Fact]
    public void Sglang_bench_serving_jsonl_with_infinity_and_two_runs()
    {
        var read = ServingFiles.Read(Fixture("sglang-0.5.4-bench_serving.jsonl"), new ServingHints { Device = "h100-sxm", Model = "llama-3.1-8b" });
        Assert.Empty(read.Problems);
        Assert.Equal(2, read.Records.Count);
        var (a, b) = (read.Records[0], read.Records[1]);
        // request_rate Infinity (bare token) with max_concurrency 16: sixteen in flight, a closed loop.
        Assert.Equal((ServingLoad.Concurrency, 16), (a.Setup.Load, a.Setup.Concurrency));
        Assert.Equal((ServingLoad.Rate, 4.0), (b.Setup.Load, b.Setup.RequestRate));
        Assert.Equal("sglang", a.Setup.Engine);
        Assert.Equal((1024.0, 128.0), (a.Setup.InputTokens, a.Setup.OutputTokens));
        // e2e_latency is vLLM's e2el; p95 exists only for ITL.
        Assert.Equal(0.9882, M(a, "e2el_mean"), 9);
        Assert.Equal(0.0075, M(a, "itl_p95"), 9);
        Assert.Equal(16503.0, M(a, "input_throughput"));
    }

    [Fact]
    public void Sglang_results_name_no_model_so_one_must_be_given()
    {
        var read = ServingFiles.Read(Fixture("sglang-0.5.4-bench_serving.jsonl"), new ServingHints { Device = "h100-sxm" });
        Assert.Empty(read.Records);
        Assert.Equal(2, read.Problems.Count);
        Assert.Contains("give --model", read.Problems[0].ToString());
        Assert.StartsWith(Fixture("sglang-0.5.4-bench_serving.jsonl") + ":1:", read.Problems[0].ToString());
        Assert.StartsWith(Fixture("sglang-0.5.4-bench_serving.jsonl") + ":2:", read.Problems[1].ToString());
    }

    [Fact]
    public void Trtllm_bench_report_json()
    {
        var read = ServingFiles.Read(Fixture("trtllm-bench-1.0-report.json"), new ServingHints { Device = "h100-sxm" });
        Assert.Empty(read.Problems);
        var r = Assert.Single(read.Records);
        var s = r.Setup;
        Assert.Equal(("trtllm", "1.0.0", true), (s.Engine, s.EngineVersion, s.Offline));
        // nvidia/Llama-3.1-8B-Instruct-FP8 with quantization FP8 and an FP8 KV cache.
        Assert.Equal(("llama-3.1-8b", "fp8", "fp8"), (s.Model, s.Dtype, s.KvDtype));
        Assert.Equal((ServingLoad.MaxThroughput, 3000, 1000.0), (s.Load, s.NumPrompts, s.InputTokens));
        Assert.Equal("0.9", s.Settings["kv_fraction"]);
        Assert.Equal(15268.6, M(r, "output_throughput"));
        Assert.Equal(4.1206, M(r, "ttft_mean"), 9);
        Assert.Equal(2.211, M(r, "ttft_median"), 9);
        Assert.Equal(0.1142, M(r, "tpot_mean"), 9);
        Assert.Equal(189.9003, M(r, "e2el_p99"), 9);
        Assert.Empty(read.Warnings);
    }

    [Fact]
    public void Aiperf_export_reads_inter_token_latency_as_tpot()
    {
        var read = ServingFiles.Read(Fixture("aiperf-0.1.1-profile_export_aiperf.json"), new ServingHints { Device = "h100-sxm" });
        Assert.Empty(read.Problems);
        var r = Assert.Single(read.Records);
        Assert.Equal("aiperf", r.Format);
        Assert.Equal((ServingLoad.Concurrency, 8, "llama-3.1-8b", 550.0, 150.0, 400), (r.Setup.Load, r.Setup.Concurrency, r.Setup.Model, r.Setup.InputTokens, r.Setup.OutputTokens, r.Setup.NumPrompts));
        // AIPerf's inter_token_latency is (latency − TTFT) / (output − 1) per request: vLLM's TPOT, not ITL.
        Assert.Equal(0.00676, M(r, "tpot_mean"), 9);
        Assert.Equal(0.0071, M(r, "tpot_p99"), 9);
        // inter_chunk_latency is vLLM's ITL.
        Assert.Equal(0.0124, M(r, "itl_p99"), 9);
        Assert.Equal(0.0426, M(r, "ttft_mean"), 9);
        Assert.Equal(1.0493, M(r, "e2el_mean"), 9);
        Assert.Equal(1141.5, M(r, "output_throughput"));
    }

    [Fact]
    public void Genai_perf_export_with_flat_input_config()
    {
        var read = ServingFiles.Read(Fixture("genai-perf-profile_export_genai_perf.json"), new ServingHints { Device = "h100-sxm" });
        Assert.Empty(read.Problems);
        var r = Assert.Single(read.Records);
        Assert.Equal("genai-perf", r.Format);
        Assert.Equal((ServingLoad.Concurrency, 4, "llama-3.1-8b"), (r.Setup.Load, r.Setup.Concurrency, r.Setup.Model));
        Assert.Equal(0.00666, M(r, "tpot_mean"), 9);
        Assert.Equal(0.0351, M(r, "ttft_mean"), 9);
        // output_token_throughput_per_request is not a field AIPerf/GenAI-Perf share with vLLM: reported, not fatal.
        Assert.Contains(read.Warnings, w => w.Contains("output_token_throughput_per_request"));
    }

    [Fact]
    public void Unknown_fields_are_reported_and_the_reader_keeps_going()
    {
        string dir = Directory.CreateTempSubdirectory("llmsim-serving").FullName;
        string path = Path.Combine(dir, "run.json");
        string text = File.ReadAllText(Fixture("vllm-0.11-random-detailed.json")).Replace("\"date\"", "\"gpu_temperature_c\": 61, \"date\"");
        File.WriteAllText(path, text);
        var read = ServingFiles.Read(path);
        Assert.Single(read.Records);
        Assert.Empty(read.Problems);
        var w = Assert.Single(read.Warnings);
        Assert.Contains("gpu_temperature_c", w);
        Assert.StartsWith(path + ":1:", w);
    }

    [Fact]
    public void A_vllm_result_without_its_gpu_is_a_problem_naming_the_option()
    {
        string dir = Directory.CreateTempSubdirectory("llmsim-serving").FullName;
        string path = Path.Combine(dir, "run.json");
        File.WriteAllText(path, File.ReadAllText(Fixture("vllm-0.11-random-detailed.json")).Replace("\"hardware\": \"h100-sxm\", ", ""));
        var read = ServingFiles.Read(path);
        Assert.Empty(read.Records);
        Assert.Contains("--hardware", Assert.Single(read.Problems).ToString());
    }

    [Fact]
    public void Model_ids_map_to_spec_names_and_their_checkpoint_format()
    {
        Assert.Equal(("llama-3.1-8b", (string?)null), ServingFiles.ModelName("meta-llama/Llama-3.1-8B-Instruct"));
        Assert.Equal(("llama-3.1-8b", "fp8"), ServingFiles.ModelName("nvidia/Llama-3.1-8B-Instruct-FP8"));
        Assert.Equal(("llama-3-8b", (string?)null), ServingFiles.ModelName("meta-llama/Meta-Llama-3-8B-Instruct"));
        Assert.Equal(("llama-3.1-70b", (string?)null), ServingFiles.ModelName("meta-llama/Llama-3.3-70B-Instruct"));
        Assert.Equal(("mistral-7b", (string?)null), ServingFiles.ModelName("mistralai/Mistral-7B-v0.1"));
    }

    [Fact]
    public void The_published_serving_set_reads_without_problems()
    {
        string dir = Path.Combine(RepoPaths.Root, "validation", "measured", "published", "serving");
        var read = ServingFiles.ReadAll([Path.Combine(dir, "trtllm-pytorch.csv"), Path.Combine(dir, "trtllm-engine.csv")]);
        Assert.Empty(read.Problems);
        Assert.Empty(read.Warnings);
        // 754 rows; each online-table row's five metrics form one run.
        Assert.Equal(754, read.Records.Sum(r => r.Metrics.Count));
        Assert.All(read.Records, r => Assert.False(string.IsNullOrWhiteSpace(r.Source)));
        Assert.Contains(read.Records, r => ServingValidator.IsHeldOut(r.Setup));
        Assert.Contains(read.Records, r => !ServingValidator.IsHeldOut(r.Setup));
    }

    [Fact]
    public void The_serving_csv_refuses_bad_rows_with_line_and_field()
    {
        string dir = Directory.CreateTempSubdirectory("llmsim-serving").FullName;
        string path = Path.Combine(dir, "s.csv");
        File.WriteAllText(path, string.Join(',', ServingCsv.Header) + "\n"
            + "TensorRT-LLM,1.0,offline,h100-sxm,1,llama-3.1-8b,fp8,,1,1,max_throughput,128,128,,inf,1000,,output_throughput,100,ms,src\n"
            + "TensorRT-LLM,1.0,offline,h100-sxm,1,llama-3.1-8b,fp8,,1,1,sometimes,128,128,,inf,1000,,output_throughput,100,tok/s,src\n"
            + "TensorRT-LLM,1.0,offline,h100-sxm,1,llama-3.1-8b,fp8,,1,1,max_throughput,128,128,,inf,1000,,goodness,100,tok/s,src\n");
        var read = ServingFiles.Read(path);
        var p = read.Problems.Select(x => x.ToString()).ToList();
        Assert.Contains($"{path}:2: unit: output_throughput is in tok/s, not 'ms'", p);
        Assert.Contains(p, x => x.StartsWith($"{path}:3: mode:"));
        Assert.Contains(p, x => x.StartsWith($"{path}:4: metric: unknown metric 'goodness'"));
    }
}
