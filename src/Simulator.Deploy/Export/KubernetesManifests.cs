using System.Globalization;
using Simulator.Deploy.Yaml;
using Simulator.Serving;

namespace Simulator.Deploy.Export;

/// <summary>
/// Kubernetes objects for a deployment: per replica group a Deployment (replicas that fit in one node) or a
/// LeaderWorkerSet (a replica spanning nodes: one pod per node, leader first), each pod requesting its devices by
/// the vendor's device-plugin resource; and a Service per role in front of the serving pods. Annotations carry what
/// the engine's flags cannot (hardware profile, quantization name), so <see cref="ManifestReader"/> can read the
/// deployment back.
/// </summary>
public static class KubernetesManifests
{
    /// <summary>Label every object carries: the deployment's name.</summary>
    public const string NameLabel = "app.kubernetes.io/name";
    /// <summary>Label of the role: serve, prefill or decode.</summary>
    public const string RoleLabel = "app.kubernetes.io/component";
    /// <summary>Label of the replica group within the deployment.</summary>
    public const string GroupLabel = "llmsim.io/group";
    /// <summary>Label of pods that take requests (Deployment pods and LeaderWorkerSet leaders).</summary>
    public const string ServesLabel = "llmsim.io/serves";
    /// <summary>Annotation: hardware profile name.</summary>
    public const string HardwareAnnotation = "llmsim.io/hardware";
    /// <summary>Annotation: quantization scheme name.</summary>
    public const string QuantizationAnnotation = "llmsim.io/quantization";
    /// <summary>Annotation: KV-cache data type.</summary>
    public const string KvAnnotation = "llmsim.io/kv-cache-dtype";
    /// <summary>Annotation: the engine and the version its flags were checked against.</summary>
    public const string EngineAnnotation = "llmsim.io/engine";

    /// <summary>Default container image per engine (the version its flags were checked against).</summary>
    public static string DefaultImage(Engine engine) => engine switch
    {
        Engine.Vllm => "vllm/vllm-openai:v0.11.0",
        Engine.Sglang => "lmsysorg/sglang:v0.5.4",
        Engine.Trtllm => "nvcr.io/nvidia/tensorrt-llm/release:1.0.0",
        _ => throw new ArgumentException($"{engine} is not exported to Kubernetes"),
    };

    /// <summary>The device-plugin resource that requests a device of this vendor and kind, or null when none is known.</summary>
    public static string? Resource(string vendor, string kind) => (vendor.ToUpperInvariant(), kind) switch
    {
        ("NVIDIA", "gpu") => "nvidia.com/gpu",
        ("AMD", "gpu") => "amd.com/gpu",
        ("INTEL", "npu") => "habana.ai/gaudi",
        ("GOOGLE", "tpu") => "google.com/tpu",
        _ => null,
    };

    /// <summary>The manifests as one multi-document YAML file.</summary>
    /// <param name="launches">One launch per group, in group order (from <see cref="EngineLaunches"/> with <see cref="NodePlaceholders.Kubernetes"/>).</param>
    /// <param name="engineLabel">"vllm 0.11.0": the engine and version, for the annotation.</param>
    public static string Build(DeploymentSpec d, IReadOnlyList<GroupLaunch> launches, Engine engine, string engineLabel, string? image, string? kubernetesNamespace, IReadOnlyList<string> header)
    {
        var docs = new List<(YNode, IReadOnlyList<string>)>();
        foreach (var l in launches)
        {
            var g = l.Group;
            string resource = Resource(g.Vendor, g.Kind)
                ?? throw new ArgumentException($"{g.Hardware} ({g.Vendor} {g.Kind}): no Kubernetes device-plugin resource is known for it (exported: NVIDIA and AMD GPUs, Intel Gaudi, Google TPU)");
            if (g.DevicesPerReplica % g.NodesPerReplica != 0)
                throw new ArgumentException($"{g.Label}: {g.DevicesPerReplica} devices do not split evenly over {g.NodesPerReplica} nodes of {g.DevicesPerNode}");
            string name = $"{d.Name}-{l.Key}";
            var comments = new List<string>(docs.Count == 0 ? header : []) { $"{l.Key}: {g.Label}; {g.DevicesPerReplica} {g.Hardware} per replica" + (g.NodesPerReplica > 1 ? $" over {g.NodesPerReplica} nodes" : "") };
            comments.AddRange(l.Notes.Select(n => "note: " + n));
            var meta = new YMap().Add("name", name).Add("namespace", kubernetesNamespace).Add("labels", Labels(d, l, serves: null))
                .Add("annotations", new YMap().Add(HardwareAnnotation, g.Hardware).Add(QuantizationAnnotation, g.Quantization).Add(KvAnnotation, g.KvCacheDtype).Add(EngineAnnotation, engineLabel));
            string img = image ?? DefaultImage(engine);
            if (g.NodesPerReplica == 1)
            {
                var spec = new YMap()
                    .Add("replicas", g.Count)
                    .Add("selector", new YMap().Add("matchLabels", new YMap().Add(NameLabel, d.Name).Add(GroupLabel, l.Key)))
                    .Add("template", new YMap()
                        .Add("metadata", new YMap().Add("labels", Labels(d, l, serves: true)))
                        .Add("spec", PodSpec(Container(l, engine, img, resource, g.DevicesPerPod, leader: true))));
                docs.Add((new YMap().Add("apiVersion", "apps/v1").Add("kind", "Deployment").Add("metadata", meta).Add("spec", spec), comments));
            }
            else
            {
                if (engine == Engine.Trtllm)
                    throw new ArgumentException($"{g.Label}: a replica spans {g.NodesPerReplica} nodes, which TensorRT-LLM launches through MPI; export it to Kubernetes with --engine vllm or sglang");
                var lws = new YMap()
                    .Add("replicas", g.Count)
                    .Add("leaderWorkerTemplate", new YMap()
                        .Add("size", g.NodesPerReplica)
                        .Add("restartPolicy", "RecreateGroupOnPodRestart")
                        .Add("leaderTemplate", new YMap()
                            .Add("metadata", new YMap().Add("labels", Labels(d, l, serves: true)))
                            .Add("spec", PodSpec(Container(l, engine, img, resource, g.DevicesPerPod, leader: true))))
                        .Add("workerTemplate", new YMap()
                            .Add("metadata", new YMap().Add("labels", Labels(d, l, serves: false)))
                            .Add("spec", PodSpec(Container(l, engine, img, resource, g.DevicesPerPod, leader: false)))));
                docs.Add((new YMap().Add("apiVersion", "leaderworkerset.x-k8s.io/v1").Add("kind", "LeaderWorkerSet").Add("metadata", meta).Add("spec", lws),
                    [.. comments, "LeaderWorkerSet: install its controller first (kubernetes-sigs/lws); it sets LWS_LEADER_ADDRESS and LWS_WORKER_INDEX in every pod"]));
            }
        }
        foreach (var role in d.Groups.Select(g => g.Role).Distinct().OrderBy(r => r))
        {
            string word = d.Groups.First(g => g.Role == role).RoleWord;
            string name = role == ReplicaRole.Aggregated ? d.Name : $"{d.Name}-{word}";
            var svc = new YMap().Add("apiVersion", "v1").Add("kind", "Service")
                .Add("metadata", new YMap().Add("name", name).Add("namespace", kubernetesNamespace).Add("labels", new YMap().Add(NameLabel, d.Name).Add(RoleLabel, word)))
                .Add("spec", new YMap()
                    .Add("selector", new YMap().Add(NameLabel, d.Name).Add(RoleLabel, word).Add(ServesLabel, "true"))
                    .Add("ports", new YList([new YMap().Add("name", "http").Add("port", EngineLaunches.Port).Add("targetPort", EngineLaunches.Port)])));
            var groups = d.Groups.Count(g => g.Role == role);
            docs.Add((svc, groups > 1 ? [$"Service: spreads requests evenly over the {groups} groups' pods; the plan shares traffic by capacity, so weight them at your load balancer if they differ"] : []));
        }
        return YamlText.Documents(docs);
    }

    private static YMap Labels(DeploymentSpec d, GroupLaunch l, bool? serves)
    {
        var m = new YMap().Add(NameLabel, d.Name).Add(RoleLabel, l.Group.RoleWord).Add(GroupLabel, l.Key).Add("app.kubernetes.io/managed-by", "llmsim");
        if (serves is bool s) m.Add(ServesLabel, s ? "true" : "false");
        return m;
    }

    private static YMap PodSpec(YMap container) => new YMap()
        .Add("containers", new YList([container]))
        .Add("volumes", new YList([new YMap().Add("name", "shm").Add("emptyDir", new YMap().Add("medium", "Memory").Add("sizeLimit", "16Gi"))]));

    private static YMap Container(GroupLaunch l, Engine engine, string image, string resource, int devices, bool leader)
    {
        var cmd = l.Command;
        string Exec() => "exec " + string.Join(' ', cmd.Argv.Select(ShellWords.Quote));
        IReadOnlyList<string> command = cmd.Program, args = cmd.ArgumentList;
        if (l.Group.NodesPerReplica > 1 && engine == Engine.Vllm)
        {
            // vLLM spans nodes through Ray: the leader starts the head and waits for every node before serving.
            string nodes = l.Group.NodesPerReplica.ToString(CultureInfo.InvariantCulture);
            command = ["/bin/sh", "-c"];
            args = [leader
                ? "ray start --head --port=6379 && python3 -c \"import ray, time; ray.init(); [time.sleep(5) for _ in iter(lambda: sum(n['Alive'] for n in ray.nodes()) < " + nodes + ", False)]\" && " + Exec()
                : "ray start --address=$(LWS_LEADER_ADDRESS):6379 --block"];
        }
        else if (engine == Engine.Trtllm && l.ExtraOptions is not null)
        {
            // The extra options travel inline: the container writes the file the command names, then starts the server.
            string path = cmd.Value("--extra_llm_api_options")!;
            command = ["/bin/sh", "-c"];
            args = [$"cat > {ShellWords.Quote(path)} <<'EOF'\n{YamlText.Document(l.ExtraOptions)}EOF\n" + Exec()];
        }
        var c = new YMap().Add("name", "engine").Add("image", image).Add("command", YList.Of(command)).Add("args", YList.Of(args));
        if (leader) c.Add("ports", new YList([new YMap().Add("name", "http").Add("containerPort", EngineLaunches.Port)]));
        c.Add("env", new YList([new YMap().Add("name", "HF_TOKEN").Add("valueFrom", new YMap().Add("secretKeyRef", new YMap().Add("name", "hf-token").Add("key", "token").Add("optional", true)))]));
        var res = new YMap().Add(resource, (long)devices);
        c.Add("resources", new YMap().Add("limits", res).Add("requests", res));
        if (leader) c.Add("readinessProbe", new YMap().Add("httpGet", new YMap().Add("path", "/health").Add("port", EngineLaunches.Port)).Add("initialDelaySeconds", 60).Add("periodSeconds", 10));
        c.Add("volumeMounts", new YList([new YMap().Add("name", "shm").Add("mountPath", "/dev/shm")]));
        return c;
    }
}
