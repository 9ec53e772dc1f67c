using System.Globalization;
using Simulator.Serving;
using YamlDotNet.RepresentationModel;

namespace Simulator.Deploy.Export;

/// <summary>A replica group as read back from Kubernetes manifests, with the pods and devices they request.</summary>
/// <param name="Group">The group (its <see cref="ReplicaGroup.DevicesPerNode"/> is the devices one pod requests).</param>
/// <param name="Kind">Deployment or LeaderWorkerSet.</param>
/// <param name="PodsPerReplica">Pods of one replica (LeaderWorkerSet size; 1 for a Deployment).</param>
/// <param name="DevicesPerPod">Devices one pod requests (limits of the device resource).</param>
/// <param name="Resource">The device resource requested (nvidia.com/gpu, ...).</param>
/// <param name="ModelId">The model the engine command loads.</param>
/// <param name="Program">The engine program (vllm serve, python3 -m sglang.launch_server, trtllm-serve).</param>
public sealed record ManifestGroup(ReplicaGroup Group, string Kind, int PodsPerReplica, int DevicesPerPod, string Resource, string ModelId, string Program);

/// <summary>
/// Reads exported Kubernetes manifests back into replica groups: replicas and device requests from the objects, the
/// parallel layout and limits from the engine's own flags, hardware and quantization from the annotations. Used to
/// check that plan → export → manifests describes the same deployment.
/// </summary>
public static class ManifestReader
{
    /// <summary>Every Deployment and LeaderWorkerSet in a multi-document YAML text, in file order.</summary>
    public static IReadOnlyList<ManifestGroup> Read(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var groups = new List<ManifestGroup>();
        foreach (var doc in stream.Documents)
        {
            if (doc.RootNode is not YamlMappingNode root) continue;
            string kind = Scalar(root, "kind") ?? "";
            if (kind is not ("Deployment" or "LeaderWorkerSet")) continue;
            var meta = Map(root, "metadata");
            var labels = Map(meta, "labels");
            var notes = Map(meta, "annotations");
            var spec = Map(root, "spec");
            int replicas = Int(Scalar(spec, "replicas"));
            YamlMappingNode pod;
            int pods = 1;
            if (kind == "Deployment") pod = Map(Map(spec, "template"), "spec");
            else
            {
                var lwt = Map(spec, "leaderWorkerTemplate");
                pods = Int(Scalar(lwt, "size"));
                pod = Map(Map(lwt, "leaderTemplate"), "spec");
            }
            var container = (YamlMappingNode)((YamlSequenceNode)pod.Children[new YamlScalarNode("containers")]).Children[0];
            var limits = Map(Map(container, "resources"), "limits");
            var (resource, devicesText) = limits.Children.Select(kv => (((YamlScalarNode)kv.Key).Value!, ((YamlScalarNode)kv.Value).Value!)).First();
            int devices = Int(devicesText);
            var argv = Argv(container);
            var (program, model, flags) = Parse(argv);
            string role = Scalar(labels, KubernetesManifests.RoleLabel) ?? "serve";
            int tp = 1, pp = 1, dp = 1, ep = 1, batch = 0, tokens = 0;
            int Get(string f, int fallback = 1) => flags.TryGetValue(f, out var v) && v is not null ? Int(v) : fallback;
            switch (program)
            {
                case "vllm serve":
                case "python3 -m dynamo.vllm":
                    tp = Get("--tensor-parallel-size");
                    pp = Get("--pipeline-parallel-size");
                    dp = Get("--data-parallel-size");
                    ep = flags.ContainsKey("--enable-expert-parallel") ? tp * dp : 1;
                    batch = Get("--max-num-seqs", 0);
                    tokens = Get("--max-num-batched-tokens", 0);
                    model = program == "vllm serve" ? model : flags.GetValueOrDefault("--model");
                    break;
                case "python3 -m sglang.launch_server":
                    dp = Get("--data-parallel-size");
                    tp = Get("--tensor-parallel-size") / dp;
                    pp = Get("--pipeline-parallel-size");
                    ep = Get("--expert-parallel-size");
                    batch = Get("--max-running-requests", 0);
                    tokens = Get("--max-prefill-tokens", 0);
                    model = flags.GetValueOrDefault("--model-path");
                    break;
                case "trtllm-serve":
                    tp = Get("--tensor_parallel_size");
                    pp = Get("--pipeline_parallel_size");
                    ep = Get("--moe_expert_parallel_size");
                    batch = Get("--max_batch_size", 0);
                    tokens = Get("--max_num_tokens", 0);
                    break;
                default: throw new FormatException($"{Scalar(meta, "name")}: unknown engine program '{program}'");
            }
            var group = new ReplicaGroup
            {
                Role = role switch { "prefill" => ReplicaRole.Prefill, "decode" => ReplicaRole.Decode, _ => ReplicaRole.Aggregated },
                Hardware = Scalar(notes, KubernetesManifests.HardwareAnnotation) ?? "",
                Vendor = resource switch { "nvidia.com/gpu" => "NVIDIA", "amd.com/gpu" => "AMD", "habana.ai/gaudi" => "Intel", "google.com/tpu" => "Google", _ => "" },
                Kind = resource switch { "nvidia.com/gpu" or "amd.com/gpu" => "gpu", "google.com/tpu" => "tpu", _ => "npu" },
                Count = replicas,
                Tp = tp, Pp = pp, Ep = ep, Dp = dp,
                Quantization = Scalar(notes, KubernetesManifests.QuantizationAnnotation) ?? "",
                KvCacheDtype = Scalar(notes, KubernetesManifests.KvAnnotation) ?? "",
                MaxBatch = batch,
                MaxBatchedTokens = tokens,
                DevicesPerNode = devices,
            };
            groups.Add(new ManifestGroup(group, kind, pods, devices, resource, model ?? "", program));
        }
        return groups;
    }

    /// <summary>The container's argument vector; a <c>/bin/sh -c</c> script is read from its last <c>exec</c>.</summary>
    private static List<string> Argv(YamlMappingNode container)
    {
        List<string> Seq(string key) => container.Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlSequenceNode s
            ? s.Children.Select(x => ((YamlScalarNode)x).Value ?? "").ToList() : [];
        var command = Seq("command");
        var args = Seq("args");
        if (command.Count == 2 && command[0] == "/bin/sh" && command[1] == "-c")
        {
            string script = args.Count > 0 ? args[0] : "";
            int exec = script.LastIndexOf("exec ", StringComparison.Ordinal);
            if (exec < 0) throw new FormatException("a shell script container without 'exec ENGINE ...'");
            return ShellWords.Split(script[(exec + 5)..]);
        }
        return [.. command, .. args];
    }

    /// <summary>Program words, the positional argument (the model), and flags with their values (null for switches).</summary>
    private static (string Program, string? Positional, Dictionary<string, string?> Flags) Parse(List<string> argv)
    {
        int start = argv.Count > 2 && argv[0] == "python3" && argv[1] == "-m" ? 3 : argv.Count > 1 && argv[0] == "vllm" ? 2 : 1;
        string program = string.Join(' ', argv.Take(start));
        string? positional = null;
        int i = start;
        if (i < argv.Count && !argv[i].StartsWith('-')) positional = argv[i++];
        var flags = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (; i < argv.Count; i++)
        {
            string f = argv[i];
            string? v = i + 1 < argv.Count && !argv[i + 1].StartsWith("--", StringComparison.Ordinal) ? argv[++i] : null;
            flags[f] = v;
        }
        return (program, positional, flags);
    }

    private static YamlMappingNode Map(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlMappingNode map ? map : new YamlMappingNode();

    private static string? Scalar(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlScalarNode s ? s.Value : null;

    private static int Int(string? s) => int.Parse(s ?? throw new FormatException("a number is missing"), NumberStyles.None, CultureInfo.InvariantCulture);
}
