using System.Globalization;
using Simulator.Core.Specs;
using Simulator.Deploy.Yaml;
using Simulator.Serving;

namespace Simulator.Deploy.Export;

/// <summary>The serving engines the exporter writes launch commands for.</summary>
public enum Engine
{
    /// <summary>vLLM (<c>vllm serve</c>).</summary>
    Vllm,
    /// <summary>SGLang (<c>python3 -m sglang.launch_server</c>).</summary>
    Sglang,
    /// <summary>TensorRT-LLM (<c>trtllm-serve</c>, PyTorch backend, with an extra-options YAML).</summary>
    Trtllm,
    /// <summary>NVIDIA Dynamo with vLLM workers (<c>python3 -m dynamo.frontend</c>, <c>python3 -m dynamo.vllm</c>).</summary>
    Dynamo,
}

/// <summary>How values that differ per node are written: shell variables in scripts, LeaderWorkerSet variables on Kubernetes.</summary>
/// <param name="NodeRank">This node's index within a replica.</param>
/// <param name="LeaderAddress">The address of a replica's first node.</param>
public sealed record NodePlaceholders(string NodeRank, string LeaderAddress)
{
    /// <summary>Shell variables the user sets on each node.</summary>
    public static NodePlaceholders Shell { get; } = new("${NODE_RANK}", "${LEADER_ADDR}");

    /// <summary>Variables LeaderWorkerSet sets in every pod, expanded by Kubernetes in args.</summary>
    public static NodePlaceholders Kubernetes { get; } = new("$(LWS_WORKER_INDEX)", "$(LWS_LEADER_ADDRESS)");
}

/// <summary>One group's launch for one engine: the command, what the user must know, and TensorRT-LLM's extra options.</summary>
/// <param name="Key">The group's key (<c>serve-1</c>, <c>prefill-1</c>, <c>decode-1</c>).</param>
/// <param name="ExtraOptions">The <c>--extra_llm_api_options</c> YAML for TensorRT-LLM (null for other engines or when empty).</param>
public sealed record GroupLaunch(ReplicaGroup Group, string Key, EngineCommand Command, IReadOnlyList<string> Notes, YMap? ExtraOptions = null);

/// <summary>
/// The launch command of each engine for a replica group. Parallel sizes, batch limits, memory fraction,
/// quantization and KV-cache type map onto each engine's own flags (one place per engine below); what a flag cannot
/// say (a quantization that needs a pre-quantized checkpoint, a node that must join a Ray or MPI job first) becomes a
/// note. Every flag is one the engine version's list names (<see cref="Exporter"/> checks).
/// </summary>
public static class EngineLaunches
{
    /// <summary>The port each engine's server listens on.</summary>
    public const int Port = 8000;

    private static string N(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>vLLM's KV transfer configuration for disaggregated pools (NIXL connector, both roles).</summary>
    public const string NixlKvTransferConfig = "{\"kv_connector\":\"NixlConnector\",\"kv_role\":\"kv_both\"}";

    /// <summary>The quantization scheme a group names (its weights, activations and KV types).</summary>
    public static QuantizationScheme Scheme(ReplicaGroup g) =>
        QuantizationScheme.TryParse(g.Quantization, out var q, out var error) ? q : throw new ArgumentException($"replica group {g.Label}: {error}");

    private static bool Is16(DataType t) => t is DataType.Bf16 or DataType.Fp16;

    /// <summary>The 16-bit type engines call the model dtype: float16 when the scheme computes in fp16, else bfloat16.</summary>
    private static string ModelDtype(QuantizationScheme q) => q.Activations == DataType.Fp16 || q.KvCache == DataType.Fp16 ? "float16" : "bfloat16";

    /// <summary>What the weights need from the checkpoint, when a flag cannot quantize at load time (null: nothing).</summary>
    private static string? CheckpointNote(QuantizationScheme q, string engine)
    {
        if (Is16(q.Weights) || q.Weights == DataType.Fp32) return null;
        if (q.Weights == DataType.Fp8 && engine != "TensorRT-LLM") return null;
        string what = (q.Weights, q.Activations) switch
        {
            (DataType.Fp8, _) => "an FP8 checkpoint (NVIDIA ModelOpt, e.g. the nvidia/...-FP8 releases)",
            (DataType.Int4, var a) when Is16(a) => engine == "TensorRT-LLM" ? "an INT4-AWQ checkpoint (NVIDIA ModelOpt)" : "a 4-bit AWQ or GPTQ checkpoint (the engine reads the method from its quantization_config)",
            (DataType.Int8, var a) when Is16(a) => "an 8-bit weight-only checkpoint (GPTQ 8-bit)",
            (DataType.Int8, DataType.Int8) => "a W8A8 INT8 checkpoint (compressed-tensors)",
            _ => $"a checkpoint already in {q.Name}",
        };
        return $"{q.Name}: {engine} serves {what}; set the model to that checkpoint (--model-path)";
    }

    private static string? KvNote(QuantizationScheme q, string engine) =>
        q.KvCache is DataType.Int8 or DataType.Int4 or DataType.Fp4
            ? $"KV cache {q.KvCache.Name()}: not set by a flag here ({engine}'s fp8 KV cache is the nearest the exporter writes); a checkpoint that carries its KV format may set it"
            : null;

    /// <summary>
    /// The plan's speculative decoding, which its capacity counts on, is not configured by this launch: say so and what
    /// to set (the drafter's checkpoint and the engine's own names for the method are the user's to choose).
    /// </summary>
    private static string? SpeculativeNote(ReplicaGroup g, string engine, string how) => g.Speculative is null ? null
        : $"the plan's capacity counts on speculative decoding ({g.Speculative}), which this command does not configure: set it in {engine} ({how}) or re-plan without --speculative";

    private static void Add(List<string> notes, string? note)
    {
        if (note is not null) notes.Add(note);
    }

    /// <summary><c>vllm serve</c> for one replica of the group.</summary>
    public static GroupLaunch Vllm(DeploymentSpec d, ReplicaGroup g, string key, NodePlaceholders nodes) => VllmLike(d, g, key, nodes, dynamo: false);

    private static GroupLaunch VllmLike(DeploymentSpec d, ReplicaGroup g, string key, NodePlaceholders nodes, bool dynamo)
    {
        var q = Scheme(g);
        var a = new List<(string, string?)>();
        var notes = new List<string>();
        if (dynamo) a.Add(("--model", d.ModelId));
        a.Add(("--tensor-parallel-size", N(g.Tp)));
        if (g.Pp > 1) a.Add(("--pipeline-parallel-size", N(g.Pp)));
        if (g.Dp > 1) a.Add(("--data-parallel-size", N(g.Dp)));
        // vLLM's expert parallelism spans every TP x DP rank of the replica: on or off, no other size.
        if (g.Ep > 1) a.Add(("--enable-expert-parallel", null));
        if (g.Ep > 1 && g.Ep != g.Tp * g.Dp)
            notes.Add($"vLLM's expert parallelism spans all {g.Tp * g.Dp} TP x DP ranks; the plan's EP {g.Ep} cannot be set exactly");
        a.Add(("--max-num-seqs", N(g.MaxBatch)));
        a.Add(("--max-num-batched-tokens", N(g.MaxBatchedTokens)));
        a.Add(("--gpu-memory-utilization", N(d.MemoryFraction)));
        a.Add(("--dtype", ModelDtype(q)));
        if (q.Weights == DataType.Fp8 && q.Activations == DataType.Fp8) a.Add(("--quantization", "fp8"));
        if (q.KvCache == DataType.Fp8) a.Add(("--kv-cache-dtype", "fp8"));
        Add(notes, SpeculativeNote(g, "vLLM", "--speculative-config with the draft model and num_speculative_tokens"));
        Add(notes, CheckpointNote(q, "vLLM"));
        Add(notes, KvNote(q, "vLLM"));
        if (g.NodesPerReplica > 1)
        {
            a.Add(("--distributed-executor-backend", "ray"));
            notes.Add($"one replica spans {g.NodesPerReplica} nodes of {g.DevicesPerNode} devices: start a Ray cluster over them first (ray start --head on the first, ray start --address=FIRST:6379 on the others), then run this on the first");
        }
        if (g.Role != ReplicaRole.Aggregated) a.Add(("--kv-transfer-config", NixlKvTransferConfig));
        if (dynamo)
        {
            if (g.Role == ReplicaRole.Prefill) a.Add(("--is-prefill-worker", null));
            if (g.Role == ReplicaRole.Decode) a.Add(("--is-decode-worker", null));
            return new GroupLaunch(g, key, new EngineCommand("dynamo", ["python3", "-m", "dynamo.vllm"], null, a), notes);
        }
        a.Add(("--host", "0.0.0.0"));
        a.Add(("--port", N(Port)));
        if (g.Role != ReplicaRole.Aggregated)
            notes.Add("disaggregated pool: requests need a router that sends each prompt to a prefill replica and its decode to a decode replica (the Dynamo export is one)");
        return new GroupLaunch(g, key, new EngineCommand("vllm", ["vllm", "serve"], d.ModelId, a), notes);
    }

    /// <summary>A Dynamo vLLM worker for one replica of the group.</summary>
    public static GroupLaunch DynamoWorker(DeploymentSpec d, ReplicaGroup g, string key, NodePlaceholders nodes) => VllmLike(d, g, key, nodes, dynamo: true);

    /// <summary>Dynamo's HTTP frontend, which routes requests to the workers (and prompts to prefill workers first).</summary>
    public static EngineCommand DynamoFrontend() => new("dynamo", ["python3", "-m", "dynamo.frontend"], null, [("--http-port", N(Port))]);

    /// <summary><c>python3 -m sglang.launch_server</c> for one replica of the group (one command per node when it spans nodes).</summary>
    public static GroupLaunch Sglang(DeploymentSpec d, ReplicaGroup g, string key, NodePlaceholders nodes)
    {
        var q = Scheme(g);
        var a = new List<(string, string?)> { ("--model-path", d.ModelId) };
        var notes = new List<string>();
        // With DP attention SGLang's --tp is every GPU of the replica and --dp splits attention among them.
        a.Add(("--tensor-parallel-size", N(g.Tp * g.Dp)));
        if (g.Pp > 1) a.Add(("--pipeline-parallel-size", N(g.Pp)));
        if (g.Dp > 1)
        {
            a.Add(("--data-parallel-size", N(g.Dp)));
            a.Add(("--enable-dp-attention", null));
        }
        if (g.Ep > 1) a.Add(("--expert-parallel-size", N(g.Ep)));
        a.Add(("--max-running-requests", N(g.MaxBatch)));
        a.Add(("--max-prefill-tokens", N(g.MaxBatchedTokens)));
        a.Add(("--dtype", ModelDtype(q)));
        if (q.Weights == DataType.Fp8 && q.Activations == DataType.Fp8) a.Add(("--quantization", "fp8"));
        if (q.KvCache == DataType.Fp8) a.Add(("--kv-cache-dtype", "fp8_e4m3"));
        Add(notes, SpeculativeNote(g, "SGLang", "--speculative-algorithm, --speculative-draft-model-path, --speculative-num-steps"));
        Add(notes, CheckpointNote(q, "SGLang"));
        Add(notes, KvNote(q, "SGLang"));
        notes.Add("memory: SGLang sizes its static pool itself (--mem-fraction-static, about 0.84 of an 80 GB GPU and 0.91 of a 141 GB one); the plan assumed 0.9 of memory for weights, KV cache and activations");
        if (g.NodesPerReplica > 1)
        {
            a.Add(("--nnodes", N(g.NodesPerReplica)));
            a.Add(("--node-rank", nodes.NodeRank));
            a.Add(("--dist-init-addr", nodes.LeaderAddress + ":20000"));
            notes.Add($"one replica spans {g.NodesPerReplica} nodes: run this on each, with NODE_RANK 0..{g.NodesPerReplica - 1} and LEADER_ADDR the first node's address");
        }
        if (g.Role != ReplicaRole.Aggregated)
        {
            a.Add(("--disaggregation-mode", g.RoleWord));
            notes.Add("disaggregated pool: put SGLang's router in PD mode (or the Dynamo export) in front of the prefill and decode replicas");
        }
        a.Add(("--host", "0.0.0.0"));
        a.Add(("--port", N(Port)));
        return new GroupLaunch(g, key, new EngineCommand("sglang", ["python3", "-m", "sglang.launch_server"], null, a), notes);
    }

    /// <summary><c>trtllm-serve</c> for one replica of the group, with its extra LLM API options.</summary>
    public static GroupLaunch Trtllm(DeploymentSpec d, ReplicaGroup g, string key, NodePlaceholders nodes, string extraOptionsPath)
    {
        var q = Scheme(g);
        var a = new List<(string, string?)> { ("--backend", "pytorch"), ("--tensor_parallel_size", N(g.Tp * g.Dp)) };
        var notes = new List<string>();
        if (g.Pp > 1) a.Add(("--pipeline_parallel_size", N(g.Pp)));
        if (g.Ep > 1) a.Add(("--moe_expert_parallel_size", N(g.Ep)));
        a.Add(("--max_batch_size", N(g.MaxBatch)));
        a.Add(("--max_num_tokens", N(g.MaxBatchedTokens)));
        a.Add(("--free_gpu_memory_fraction", N(d.MemoryFraction)));
        a.Add(("--host", "0.0.0.0"));
        a.Add(("--port", N(Port)));
        var extra = new YMap();
        if (g.Dp > 1) extra.Add("enable_attention_dp", true);
        if (q.KvCache == DataType.Fp8) extra.Add("kv_cache_config", new YMap().Add("dtype", "fp8"));
        if (g.Role != ReplicaRole.Aggregated)
        {
            extra.Add("cache_transceiver_config", new YMap().Add("backend", "default"));
            // TensorRT-LLM's disaggregated examples turn the overlap scheduler off on context (prefill) servers.
            if (g.Role == ReplicaRole.Prefill) extra.Add("disable_overlap_scheduler", true);
            notes.Add("disaggregated pool: start the prefill (context) and decode (generation) servers, then 'trtllm-serve disaggregated -c CONFIG' naming them (or use the Dynamo export)");
        }
        if (extra.Entries.Count > 0) a.Add(("--extra_llm_api_options", extraOptionsPath));
        notes.Add("memory: --free_gpu_memory_fraction is TensorRT-LLM's share of the memory left after the weights (its default), not vLLM's share of all memory");
        Add(notes, SpeculativeNote(g, "TensorRT-LLM", "speculative_config in the extra options: decoding_type, max_draft_len, speculative_model_dir"));
        Add(notes, CheckpointNote(q, "TensorRT-LLM"));
        Add(notes, KvNote(q, "TensorRT-LLM"));
        if (!g.Vendor.Equals("NVIDIA", StringComparison.OrdinalIgnoreCase)) notes.Add($"TensorRT-LLM runs on NVIDIA GPUs only; {g.Hardware} is {g.Vendor}");
        if (g.NodesPerReplica > 1)
            notes.Add($"one replica spans {g.NodesPerReplica} nodes: TensorRT-LLM launches across nodes through MPI (mpirun or srun with trtllm-llmapi-launch); this command is the per-rank entry");
        return new GroupLaunch(g, key, new EngineCommand("trtllm-serve", ["trtllm-serve"], d.ModelId, a), notes, extra.Entries.Count > 0 ? extra : null);
    }

    /// <summary>Keys of each group, in group order: serve-1, serve-2, prefill-1, decode-1, ...</summary>
    public static IReadOnlyList<string> Keys(DeploymentSpec d)
    {
        var seen = new Dictionary<ReplicaRole, int>();
        return d.Groups.Select(g =>
        {
            seen[g.Role] = seen.GetValueOrDefault(g.Role) + 1;
            return $"{g.RoleWord}-{seen[g.Role]}";
        }).ToList();
    }

    /// <summary>Every dotted key path of a YAML mapping (<c>kv_cache_config.dtype</c>), for checking against the LLM API list.</summary>
    public static IEnumerable<string> KeyPaths(YMap map, string prefix = "")
    {
        foreach (var (k, v) in map.Entries)
        {
            string path = prefix.Length == 0 ? k : prefix + "." + k;
            yield return path;
            if (v is YMap child)
                foreach (var p in KeyPaths(child, path)) yield return p;
        }
    }
}
