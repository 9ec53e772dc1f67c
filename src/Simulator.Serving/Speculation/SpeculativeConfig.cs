using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Serving;

/// <summary>Where draft tokens come from.</summary>
public enum SpeculativeMethod
{
    /// <summary>A smaller model of the same tokenizer runs k decode steps (vLLM <c>draft_model</c>); its weights and KV cache share the replica's memory.</summary>
    Draft,
    /// <summary>EAGLE-style heads: one decoder layer over the target's hidden states, with the target's LM head, run k times (Li et al., 2024).</summary>
    Eagle,
    /// <summary>Multi-token prediction (DeepSeek-V3 MTP): the model's own extra prediction layer run k times; priced like one of its layers with the LM head.</summary>
    Mtp,
    /// <summary>Prompt lookup: drafts copied from earlier n-grams of the context (vLLM <c>ngram</c>); no device work.</summary>
    Ngram,
}

/// <summary>
/// Speculative decoding on a replica: the method, k draft tokens per step, the acceptance model (a request's class may
/// bring its own) and, for <see cref="SpeculativeMethod.Draft"/>, the draft model. Each decode step of a request then
/// costs the draft's k steps plus one target pass over k + 1 tokens and emits 1 to k + 1 tokens.
/// </summary>
public sealed record SpeculativeConfig(SpeculativeMethod Method, int K, AcceptanceModel Acceptance)
{
    /// <summary>Largest k accepted (engines use 1–8; beyond that acceptance of the last drafts is negligible).</summary>
    public const int MaxK = 16;

    /// <summary>The draft model (method <see cref="SpeculativeMethod.Draft"/> only).</summary>
    public ModelSpec? DraftModel { get; init; }

    /// <summary>Tokens the target verifies per request and step: the last token and k drafts.</summary>
    public int VerifyTokens => K + 1;

    /// <summary>Such as "draft llama-3.2-1b, k=4, acceptance 0.7".</summary>
    public string Describe() =>
        $"{MethodName(Method)}{(DraftModel is { } m ? " " + m.Name : "")}, k={K}, acceptance {Acceptance.Describe()}";

    /// <summary>The method's name on the command line.</summary>
    public static string MethodName(SpeculativeMethod m) => m switch
    {
        SpeculativeMethod.Draft => "draft",
        SpeculativeMethod.Eagle => "eagle",
        SpeculativeMethod.Mtp => "mtp",
        _ => "ngram",
    };

    /// <summary>Every reason the settings cannot run with <paramref name="target"/> (empty when they can).</summary>
    public List<string> Validate(Deployment target)
    {
        var e = new List<string>();
        if (K < 1 || K > MaxK) e.Add($"speculative decoding needs k from 1 to {MaxK}, not {K}");
        if (Method == SpeculativeMethod.Draft && DraftModel is null) e.Add("speculative decoding with a draft model needs the draft model (draft=MODEL)");
        if (Method != SpeculativeMethod.Draft && DraftModel is not null) e.Add($"draft=MODEL applies to the draft method, not {MethodName(Method)}");
        if (Method == SpeculativeMethod.Draft && DraftModel is { } dm && dm.VocabSize != target.Model.VocabSize)
            e.Add($"the draft model {dm.Name} has a vocabulary of {dm.VocabSize:N0} tokens and {target.Model.Name} {target.Model.VocabSize:N0}; a draft model must share the target's tokenizer");
        if (e.Count == 0)
        {
            try { _ = DraftDeployment(target); }
            catch (PlanException x) { e.Add($"the {MethodName(Method)} drafter cannot run beside {target.Model.Name}: {x.Message}"); }
        }
        return e;
    }

    /// <summary>
    /// The deployment whose steps price drafting: the draft model on the target's device with the target's TP when its
    /// heads divide (else TP 1) and no pipeline; for EAGLE and MTP one decoder layer of the target itself (full attention,
    /// an MoE layer for MoE models) with its embedding and LM head; null for n-gram lookup.
    /// </summary>
    public Deployment? DraftDeployment(Deployment target)
    {
        var cluster = target.Cluster;
        switch (Method)
        {
            case SpeculativeMethod.Draft:
            {
                var m = DraftModel!;
                int tp = Deployment.Validate(m, target.Device, new Parallelism(target.Parallelism.Tp), cluster).Count == 0 ? target.Parallelism.Tp : 1;
                return Deployment.Create(m, target.Device, target.Quant, new Parallelism(tp), cluster, target.FlashAttention, target.Efficiency);
            }
            case SpeculativeMethod.Eagle:
            case SpeculativeMethod.Mtp:
                return Deployment.Create(HeadModel(target.Model, 1), target.Device, target.Quant, new Parallelism(target.Parallelism.Tp), cluster, target.FlashAttention, target.Efficiency);
            default:
                return null;
        }
    }

    /// <summary>The target with <paramref name="layers"/> layers, every one full attention and (for MoE models) MoE: the shape of an EAGLE or MTP head.</summary>
    internal static ModelSpec HeadModel(ModelSpec target, int layers) => target with
    {
        Name = target.Name + "-head",
        NumLayers = layers,
        SlidingWindow = null,
        SlidingWindowLayers = null,
        Moe = target.Moe is { } moe ? moe with { FirstDenseLayers = 0, LayerFrequency = 1 } : null,
    };

    /// <summary>
    /// What drafting adds to each device's memory: weights (the whole draft model; for EAGLE and MTP one layer, since
    /// the embedding and LM head are the target's) and KV bytes per token of context.
    /// </summary>
    public (double WeightBytes, double KvBytesPerToken) Footprint(Deployment target)
    {
        if (DraftDeployment(target) is not { } d) return (0, 0);
        var mem = MemoryModel.For(d);
        if (Method == SpeculativeMethod.Draft) return (mem.WeightBytes, mem.KvBytesPerToken);
        // One layer's weights: a two-layer head less a one-layer head leaves exactly one layer and its norms.
        var two = MemoryModel.For(Deployment.Create(HeadModel(target.Model, 2), target.Device, target.Quant, new Parallelism(target.Parallelism.Tp), target.Cluster));
        return (two.WeightBytes - mem.WeightBytes, mem.KvBytesPerToken);
    }
}
