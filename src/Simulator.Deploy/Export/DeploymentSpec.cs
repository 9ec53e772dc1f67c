using System.Text.RegularExpressions;
using Simulator.Core.Specs;
using Simulator.Planner;
using Simulator.Serving;

namespace Simulator.Deploy.Export;

/// <summary>
/// One group of identical replicas of a deployment, in the terms every engine and Kubernetes need: role, device,
/// how many, the parallel layout, quantization, KV-cache type and the scheduler's limits.
/// </summary>
public sealed record ReplicaGroup
{
    /// <summary>Whole requests, prompts only (prefill pool) or generation only (decode pool).</summary>
    public required ReplicaRole Role { get; init; }
    /// <summary>Hardware profile name.</summary>
    public required string Hardware { get; init; }
    /// <summary>Device vendor as the profile states it (with <see cref="Kind"/>, decides the Kubernetes resource name).</summary>
    public required string Vendor { get; init; }
    /// <summary>Device kind word: gpu, npu, tpu, fpga or cpu.</summary>
    public required string Kind { get; init; }
    /// <summary>Replicas in the group.</summary>
    public required int Count { get; init; }
    /// <summary>Tensor-parallel degree.</summary>
    public required int Tp { get; init; }
    /// <summary>Pipeline-parallel degree.</summary>
    public int Pp { get; init; } = 1;
    /// <summary>Expert-parallel degree (1: none).</summary>
    public int Ep { get; init; } = 1;
    /// <summary>Attention data-parallel degree (1: none).</summary>
    public int Dp { get; init; } = 1;
    /// <summary>Quantization scheme name (<c>bf16</c>, <c>fp8</c>, <c>w4a16</c>, ...).</summary>
    public required string Quantization { get; init; }
    /// <summary>KV-cache data type name (<c>bf16</c>, <c>fp8</c>, ...).</summary>
    public required string KvCacheDtype { get; init; }
    /// <summary>Most sequences per step (vLLM's max_num_seqs).</summary>
    public required int MaxBatch { get; init; }
    /// <summary>Most tokens per step (vLLM's max_num_batched_tokens).</summary>
    public required int MaxBatchedTokens { get; init; }
    /// <summary>Devices in one node of the hardware's cluster.</summary>
    public required int DevicesPerNode { get; init; }
    /// <summary>Speculative decoding the plan's capacity relies on, in words (null: none).</summary>
    public string? Speculative { get; init; }

    /// <summary>Devices one replica uses.</summary>
    public int DevicesPerReplica => Tp * Pp * Dp;

    /// <summary>Nodes one replica spans (more than one: a LeaderWorkerSet on Kubernetes).</summary>
    public int NodesPerReplica => (DevicesPerReplica + DevicesPerNode - 1) / DevicesPerNode;

    /// <summary>Devices each pod of a replica requests (a whole node's worth when the replica spans nodes).</summary>
    public int DevicesPerPod => NodesPerReplica == 1 ? DevicesPerReplica : DevicesPerReplica / NodesPerReplica;

    /// <summary>"prefill", "decode" or "serve" (aggregated): the word used in names and labels.</summary>
    public string RoleWord => Role switch { ReplicaRole.Prefill => "prefill", ReplicaRole.Decode => "decode", _ => "serve" };

    /// <summary>A one-line description: "2x h100-sxm TP4 fp8 b128 decode".</summary>
    public string Label => $"{Count}x {Hardware} TP{Tp}" + (Pp > 1 ? $" PP{Pp}" : "") + (Ep > 1 ? $" EP{Ep}" : "") + (Dp > 1 ? $" DP{Dp}" : "")
        + $" {Quantization} b{MaxBatch}" + (Role == ReplicaRole.Aggregated ? "" : " " + RoleWord);
}

/// <summary>
/// A deployment to export: the model (its Hugging Face id for the engines) and its replica groups. Built from a plan
/// in memory (<see cref="FromPlan"/>) or from a plan's JSON (<see cref="PlanDocument"/>), and read back from exported
/// Kubernetes manifests (<see cref="ManifestReader"/>) to check that the export describes the same deployment.
/// </summary>
/// <param name="Name">Base name of Kubernetes objects (DNS-1123: lower-case letters, digits and '-').</param>
/// <param name="Model">The model spec's name.</param>
/// <param name="ModelId">What the engines load: a Hugging Face id (from the spec's source) or a path.</param>
/// <param name="MemoryFraction">Share of device memory the engine may use (the planner's 10% reserve: 0.9).</param>
public sealed partial record DeploymentSpec(string Name, string Model, string ModelId, IReadOnlyList<ReplicaGroup> Groups, double MemoryFraction = 0.9)
{
    /// <summary>Whether the deployment has separate prefill and decode pools.</summary>
    public bool Disaggregated => Groups.Any(g => g.Role != ReplicaRole.Aggregated);

    /// <summary>Devices used by every replica of every group.</summary>
    public int Devices => Groups.Sum(g => g.Count * g.DevicesPerReplica);

    /// <summary>The share of memory the planner leaves to the engine: 1 − the framework reserve (vLLM's gpu_memory_utilization default 0.9).</summary>
    public const double DefaultMemoryFraction = 0.9;

    [GeneratedRegex(@"huggingface\.co/(?<id>[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*)")]
    private static partial Regex HfPattern();

    /// <summary>The Hugging Face id in a spec's <c>source:</c> (https://huggingface.co/ORG/NAME/...), or null.</summary>
    public static string? HuggingFaceId(string? source) =>
        source is not null && HfPattern().Match(source) is { Success: true } m ? m.Groups["id"].Value : null;

    /// <summary>A name Kubernetes accepts for objects and Services (DNS-1035: starts with a letter, [a-z0-9-], at most <paramref name="max"/> characters).</summary>
    public static string KubernetesName(string text, int max = 40)
    {
        string s = Regex.Replace(text.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');
        if (s.Length == 0 || !char.IsAsciiLetterLower(s[0])) s = "m-" + s;
        if (s.Length > max) s = s[..max].TrimEnd('-');
        return s;
    }

    /// <summary>The deployment of a plan's replica groups. <paramref name="modelId"/> overrides the id taken from the spec's source.</summary>
    public static DeploymentSpec FromPlan(ModelSpec model, Plan plan, string? name = null, string? modelId = null, int maxBatchedTokens = ReplicaConfig.DefaultUnchunkedBudget)
    {
        var groups = plan.Items.Select(i =>
        {
            var c = i.Capacity.Config;
            return new ReplicaGroup
            {
                Role = c.Role,
                Hardware = c.Device.Name,
                Vendor = c.Device.Vendor,
                Kind = c.Device.Kind.ToString().ToLowerInvariant(),
                Count = i.Count,
                Tp = c.Parallelism.Tp,
                Pp = c.Parallelism.Pp,
                Ep = c.Parallelism.Ep,
                Dp = c.Parallelism.Dp,
                Quantization = c.Quant.Name,
                KvCacheDtype = c.Quant.KvCacheName,
                MaxBatch = c.MaxBatch,
                MaxBatchedTokens = maxBatchedTokens,
                DevicesPerNode = c.Cluster.DevicesPerNode,
                Speculative = c.Speculative?.Describe(),
            };
        }).ToList();
        return new DeploymentSpec(KubernetesName(name ?? model.Name), model.Name, modelId ?? HuggingFaceId(model.Source) ?? model.Name, groups);
    }
}
