using System.Text.RegularExpressions;
using Simulator.Core.Loading;
using Simulator.Deploy.Export;
using Simulator.Planner;
using Simulator.Serving;
using Simulator.Tests;
using YamlDotNet.RepresentationModel;

namespace Simulator.Deploy.Tests;

/// <summary>
/// Exported launch files and manifests: every flag in the written text is in the engine version's sourced list,
/// manifests parse and request the plan's devices, and reading the manifests back gives the plan's replica groups.
/// </summary>
public class ExportTests
{
    internal static readonly EngineFlagLibrary Flags = EngineFlagLibrary.Load(Path.Combine(RepoPaths.Root, "engine-profiles", "flags"));

    internal static ReplicaGroup Group(ReplicaRole role = ReplicaRole.Aggregated, string hw = "h100-sxm", int count = 2, int tp = 4, int pp = 1, int ep = 1, int dp = 1,
        string quant = "bf16", string kv = "bf16", int batch = 128, int perNode = 8, string vendor = "NVIDIA", string kind = "gpu") => new()
    {
        Role = role, Hardware = hw, Vendor = vendor, Kind = kind, Count = count, Tp = tp, Pp = pp, Ep = ep, Dp = dp, Quantization = quant, KvCacheDtype = kv,
        MaxBatch = batch, MaxBatchedTokens = 16384, DevicesPerNode = perNode,
    };

    /// <summary>Deployments that exercise every branch: mixed groups, disaggregation, multi-node replicas, MoE, DP attention, 8-bit KV, 4-bit weights, AMD.</summary>
    public static IEnumerable<object[]> Deployments()
    {
        yield return ["one group", new DeploymentSpec("llama", "llama-3.1-8b", "meta-llama/Llama-3.1-8B", [Group(tp: 1, count: 3)])];
        yield return ["two groups, fp8 KV and int4 weights", new DeploymentSpec("llama", "llama-3.1-70b", "meta-llama/Llama-3.1-70B",
            [Group(tp: 4, quant: "fp8kv8", kv: "fp8"), Group(hw: "a100-80gb-sxm", tp: 2, count: 3, quant: "w4a16", batch: 64)])];
        yield return ["disaggregated", new DeploymentSpec("llama", "llama-3.1-70b", "meta-llama/Llama-3.1-70B",
            [Group(ReplicaRole.Prefill, tp: 2, count: 3, batch: 32), Group(ReplicaRole.Decode, tp: 4, count: 1, quant: "fp8", kv: "bf16")])];
        yield return ["replica over two nodes", new DeploymentSpec("llama", "llama-3.1-405b", "meta-llama/Llama-3.1-405B", [Group(tp: 8, pp: 2, count: 1, quant: "fp8")])];
        yield return ["MoE with expert and data parallelism", new DeploymentSpec("mixtral", "mixtral-8x7b", "mistralai/Mixtral-8x7B-v0.1", [Group(tp: 2, ep: 4, dp: 2, count: 2)])];
        yield return ["AMD GPUs", new DeploymentSpec("llama", "llama-3.1-70b", "meta-llama/Llama-3.1-70B", [Group(hw: "mi300x", vendor: "AMD", tp: 2, count: 2)])];
        // TPUs are their own device kind (hardware-profiles/tpu/): a pod requests google.com/tpu and reads back as "tpu".
        yield return ["Google TPUs", new DeploymentSpec("llama", "llama-3.1-8b", "meta-llama/Llama-3.1-8B", [Group(hw: "tpu-v6e", vendor: "Google", kind: "tpu", tp: 4, count: 1)])];
    }

    private static IReadOnlyList<ExportFile> ExportAll(DeploymentSpec d, Engine k8s = Engine.Vllm) => Exporter.Export(new ExportRequest
    {
        Deployment = d,
        Origin = "test",
        Targets = [ExportTarget.Vllm, ExportTarget.Sglang, ExportTarget.Trtllm, ExportTarget.Dynamo, ExportTarget.Kubernetes],
        KubernetesEngine = k8s,
    }, Flags);

    /// <summary>The commands in a written script: the text after each "exec " up to ";;", split as sh splits it.</summary>
    internal static List<List<string>> ScriptCommands(string script) =>
        Regex.Matches(script, @"exec (.*?)\n\s*;;", RegexOptions.Singleline).Select(m => ShellWords.Split(m.Groups[1].Value)).ToList();

    [Theory]
    [MemberData(nameof(Deployments))]
    public void Every_flag_written_is_in_the_engine_versions_list(string name, DeploymentSpec d)
    {
        var files = ExportAll(d);
        var lists = new Dictionary<string, string> { ["vllm.sh"] = "vllm", ["sglang.sh"] = "sglang", ["trtllm.sh"] = "trtllm-serve", ["dynamo.sh"] = "dynamo" };
        foreach (var (file, engine) in lists)
        {
            var text = files.Single(f => f.Name == file).Content;
            Assert.Contains($"flags checked against {Flags[engine].Label}", text);
            var commands = ScriptCommands(text);
            Assert.True(commands.Count >= d.Groups.Count, $"{name}: {file} has {commands.Count} commands");
            foreach (var argv in commands)
                foreach (var flag in argv.Where(a => a.StartsWith("--")))
                    Assert.True(Flags.Accepts(engine, flag), $"{name}: {file} writes {flag}, which {Flags[engine].Label} does not list");
        }
        // Read from the text, not from the exporter's objects: every key of every extra-options file is a documented LLM API key.
        foreach (var f in files.Where(f => f.Name.StartsWith("trtllm-") && f.Name.EndsWith(".yaml")))
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(f.Content));
            foreach (var path in Paths((YamlMappingNode)yaml.Documents[0].RootNode, ""))
                Assert.True(Flags["trtllm-llmapi"].Contains(path), $"{name}: {f.Name} writes {path}");
        }
    }

    private static IEnumerable<string> Paths(YamlMappingNode m, string prefix)
    {
        foreach (var (k, v) in m.Children)
        {
            string p = prefix + ((YamlScalarNode)k).Value;
            yield return p;
            if (v is YamlMappingNode child) foreach (var c in Paths(child, p + ".")) yield return c;
        }
    }

    [Theory]
    [MemberData(nameof(Deployments))]
    public void Manifests_parse_request_the_plans_devices_and_read_back_as_the_same_deployment(string name, DeploymentSpec d)
    {
        foreach (var engine in new[] { Engine.Vllm, Engine.Sglang, Engine.Trtllm })
        {
            if (engine == Engine.Trtllm && d.Groups.Any(g => g.NodesPerReplica > 1 || g.Dp > 1)) continue;   // MPI launch; attention DP read back as TP
            var yaml = ExportAll(d, engine).Single(f => f.Name == "kubernetes.yaml").Content;
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            var kinds = stream.Documents.Select(doc => ((YamlScalarNode)((YamlMappingNode)doc.RootNode).Children[new YamlScalarNode("kind")]).Value).ToList();
            Assert.Equal(d.Groups.Count, kinds.Count(k => k is "Deployment" or "LeaderWorkerSet"));
            Assert.Equal(d.Groups.Select(g => g.Role).Distinct().Count(), kinds.Count(k => k == "Service"));
            var read = ManifestReader.Read(yaml);
            Assert.True(d.Groups.Count == read.Count, $"{name}: {read.Count} groups read back");
            // Devices: replicas x pods per replica x devices per pod is the plan's device count.
            Assert.Equal(d.Devices, read.Sum(r => r.Group.Count * r.PodsPerReplica * r.DevicesPerPod));
            for (int i = 0; i < d.Groups.Count; i++)
            {
                var (want, got) = (d.Groups[i], read[i]);
                Assert.Equal(want.NodesPerReplica > 1 ? "LeaderWorkerSet" : "Deployment", got.Kind);
                Assert.Equal(want with { DevicesPerNode = 0 }, got.Group with { DevicesPerNode = 0 });
                Assert.Equal(want.DevicesPerPod, got.DevicesPerPod);
                Assert.Equal(d.ModelId, got.ModelId);
                Assert.Equal(KubernetesManifests.Resource(want.Vendor, want.Kind), got.Resource);
            }
        }
    }

    [Fact]
    public void A_replica_spanning_nodes_is_a_leader_worker_set_of_whole_nodes()
    {
        var d = new DeploymentSpec("llama", "llama-3.1-405b", "meta-llama/Llama-3.1-405B", [Group(tp: 8, pp: 2, count: 3, quant: "fp8")]);
        var read = ManifestReader.Read(ExportAll(d, Engine.Sglang).Single(f => f.Name == "kubernetes.yaml").Content).Single();
        // 16 devices per replica on 8-device nodes: 2 pods of 8, three replicas: 48 devices.
        Assert.Equal(("LeaderWorkerSet", 2, 8, 3), (read.Kind, read.PodsPerReplica, read.DevicesPerPod, read.Group.Count));
        var sglang = ExportAll(d).Single(f => f.Name == "sglang.sh").Content;
        Assert.Contains("--nnodes 2", sglang);
        Assert.Contains("--node-rank \"${NODE_RANK}\"", sglang);
    }

    [Fact]
    public void Engine_flags_carry_the_plans_choices()
    {
        var d = new DeploymentSpec("llama", "llama-3.1-70b", "meta-llama/Llama-3.1-70B", [Group(tp: 4, count: 2, quant: "fp8kv8", kv: "fp8", batch: 64)]);
        var vllm = ScriptCommands(ExportAll(d).Single(f => f.Name == "vllm.sh").Content).Single();
        string V(string flag) => vllm[vllm.IndexOf(flag) + 1];
        Assert.Equal(["vllm", "serve", "meta-llama/Llama-3.1-70B"], vllm.Take(3));
        Assert.Equal(("4", "64", "16384", "0.9", "fp8", "fp8"), (V("--tensor-parallel-size"), V("--max-num-seqs"), V("--max-num-batched-tokens"), V("--gpu-memory-utilization"), V("--quantization"), V("--kv-cache-dtype")));
        var sglang = ScriptCommands(ExportAll(d).Single(f => f.Name == "sglang.sh").Content).Single();
        Assert.Equal("fp8_e4m3", sglang[sglang.IndexOf("--kv-cache-dtype") + 1]);
        Assert.Equal("64", sglang[sglang.IndexOf("--max-running-requests") + 1]);
        var trt = ExportAll(d).Single(f => f.Name == "trtllm-serve-1.yaml").Content;
        Assert.Contains("kv_cache_config:\n  dtype: fp8", trt);
    }

    [Fact]
    public void A_disaggregated_plan_gets_dynamo_prefill_and_decode_workers_behind_one_frontend()
    {
        var d = new DeploymentSpec("llama", "llama-3.1-70b", "meta-llama/Llama-3.1-70B",
            [Group(ReplicaRole.Prefill, tp: 2, count: 3), Group(ReplicaRole.Decode, tp: 4, count: 1)]);
        var files = Exporter.Export(new ExportRequest { Deployment = d, Origin = "test" }, Flags);
        Assert.Contains(files, f => f.Name == "dynamo.sh");
        var cmds = ScriptCommands(files.Single(f => f.Name == "dynamo.sh").Content);
        Assert.Equal(["python3", "-m", "dynamo.frontend"], cmds[0].Take(3));
        Assert.Contains("--is-prefill-worker", cmds[1]);
        Assert.Contains("--is-decode-worker", cmds[2]);
        Assert.DoesNotContain(Exporter.Export(new ExportRequest { Deployment = d with { Groups = [Group()] }, Origin = "test" }, Flags), f => f.Name == "dynamo.sh");
    }

    [Fact]
    public void A_flag_missing_from_the_list_is_caught()
    {
        var cmd = new EngineCommand("vllm", ["vllm", "serve"], "m", [("--tensor-parallel-size", "2"), ("--max-batch-size", "8")]);
        var e = Assert.Throws<InvalidOperationException>(() => Exporter.Check(Flags, cmd));
        Assert.Contains("--max-batch-size", e.Message);
        // Dynamo's worker takes vLLM's engine flags, not vLLM's own server flags such as --host.
        Assert.True(Flags.Accepts("dynamo", "--tensor-parallel-size"));
        Assert.True(Flags.Accepts("dynamo", "--is-prefill-worker"));
        Assert.False(Flags.Accepts("dynamo", "--host"));
    }

    [Fact]
    public void Flag_lists_name_their_version_and_source()
    {
        Assert.Equal(["dynamo", "sglang", "trtllm-llmapi", "trtllm-serve", "vllm"], Flags.All.Select(l => l.Engine));
        Assert.Equal("0.11.0", Flags["vllm"].Version);
        Assert.Equal("0.5.4", Flags["sglang"].Version);
        // 181 vllm flags plus their aliases; 273 SGLang flags plus aliases (the files' headers count entries).
        Assert.Equal(181 + 13, Flags["vllm"].Flags.Count);
        Assert.True(Flags["sglang"].Flags.Count >= 273);
        Assert.True(Flags["sglang"].Contains("--tp-size"));
        Assert.True(Flags["trtllm-serve"].Contains("--kv_cache_free_gpu_memory_fraction"));
        Assert.True(Flags["trtllm-llmapi"].Contains("scheduler_config.dynamic_batch_config.enable_batch_size_tuning"));
        Assert.True(Flags["trtllm-llmapi"].Contains("speculative_config.num_nextn_predict_layers"));
        Assert.All(Flags.All, l => Assert.Contains(l.Source, s => s.StartsWith("Source:", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void Devices_without_a_kubernetes_resource_are_refused_by_name()
    {
        var d = new DeploymentSpec("llama", "llama-3.1-8b", "meta-llama/Llama-3.1-8B", [Group(hw: "alveo-u280", vendor: "AMD", kind: "fpga", tp: 1)]);
        var e = Assert.Throws<ArgumentException>(() => ExportAll(d));
        Assert.Contains("alveo-u280", e.Message);
    }

    [Fact]
    public void A_planned_deployment_exports_and_reads_back_as_the_plan()
    {
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        var model = lib.Model("llama-3.1-70b");
        var hw = new[] { "h100-sxm", "a100-80gb-sxm" }.Select(n => lib.Hardware(n)).Select(h => new HardwareOption(h, lib.DefaultCluster(h))).ToList();
        var built = PlanRequestBuilder.Build(new PlanInputs { Model = model, Hardware = hw, Rate = 5, Simulate = false });
        var (result, _, _) = PlanRequestBuilder.Run(built);
        var plan = result.Plans[0];
        var d = DeploymentSpec.FromPlan(model, plan);
        Assert.Equal("meta-llama/Llama-3.1-70B", d.ModelId);
        Assert.Equal(plan.Devices, d.Devices);
        var read = ManifestReader.Read(ExportAll(d).Single(f => f.Name == "kubernetes.yaml").Content);
        Assert.Equal(plan.Items.Select(i => (i.Capacity.Config.Device.Name, i.Count, i.Capacity.Config.Parallelism.Tp, i.Capacity.Config.Quant.Name, i.Capacity.Config.MaxBatch, i.Capacity.Config.Role)),
            read.Select(r => (r.Group.Hardware, r.Group.Count, r.Group.Tp, r.Group.Quantization, r.Group.MaxBatch, r.Group.Role)));
        Assert.Equal(plan.Devices, read.Sum(r => r.Group.Count * r.PodsPerReplica * r.DevicesPerPod));
    }

    [Theory]
    [InlineData("https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json", "meta-llama/Llama-3.1-8B")]
    [InlineData("config.json from https://huggingface.co/Qwen/Qwen2.5-7B (2024)", "Qwen/Qwen2.5-7B")]
    [InlineData("a datasheet", null)]
    public void The_model_id_comes_from_the_specs_hugging_face_source(string source, string? id) => Assert.Equal(id, DeploymentSpec.HuggingFaceId(source));

    [Theory]
    [InlineData("Llama-3.1-70B", "llama-3-1-70b")]
    [InlineData("3b-model", "m-3b-model")]
    [InlineData("--x--", "x")]
    public void Names_are_valid_kubernetes_names(string text, string name) => Assert.Equal(name, DeploymentSpec.KubernetesName(text));
}
