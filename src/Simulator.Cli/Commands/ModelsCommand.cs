using System.CommandLine;
using System.Text.Json.Nodes;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Commands;

/// <summary><c>llmsim models list|show|import</c>.</summary>
public static class ModelsCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("models", "List, inspect and import model specs");

        var list = new Command("list", "List the model specs");
        var listFormat = CommonOptions.Format();
        list.Options.Add(listFormat);
        list.SetAction(r => List(ctx, ctx.Library(r.GetValue(CommonOptions.HardwareDir), r.GetValue(CommonOptions.ModelsDir)), r.GetValue(listFormat)));
        cmd.Subcommands.Add(list);

        var show = new Command("show", "Show one model spec with its derived parameter counts and KV-cache size");
        var name = new Argument<string>("name") { Description = "Model name (case-insensitive), a spec YAML path, or a Hugging Face config.json path" };
        var showFormat = CommonOptions.Format();
        show.Arguments.Add(name);
        show.Options.Add(showFormat);
        show.SetAction(r => Show(ctx, ctx.Library(r.GetValue(CommonOptions.HardwareDir), r.GetValue(CommonOptions.ModelsDir)).Model(r.GetValue(name)!), r.GetValue(showFormat)));
        cmd.Subcommands.Add(show);

        var import = new Command("import", "Convert a Hugging Face config.json into a model spec YAML");
        var path = new Argument<string>("config") { Description = "Path to a Hugging Face config.json" };
        var nameOpt = new Option<string?>("--name") { Description = "Name of the model spec (default: the output file's name with -o, else the config's folder or file name)" };
        var outOpt = new Option<string?>("--output", "-o") { Description = "Write the spec to this file (default: print it)" };
        var strictOpt = new Option<bool>("--strict") { Description = "Refuse a model_type whose defaults the importer does not know (exit code 2) instead of importing it with a warning" };
        import.Arguments.Add(path);
        import.Options.Add(nameOpt);
        import.Options.Add(outOpt);
        import.Options.Add(strictOpt);
        import.SetAction(r => Import(ctx, r.GetValue(path)!, r.GetValue(nameOpt), r.GetValue(outOpt), r.GetValue(strictOpt)));
        cmd.Subcommands.Add(import);
        return cmd;
    }

    private static int List(CliContext ctx, SpecLibrary lib, OutputFormat format)
    {
        var table = new Table("name", "displayName", "modelType", "attention", "layers", "hiddenSize", "totalParameters", "activeParameters", "kvCacheBytesPerToken")
            .AlignRight("layers", "hiddenSize", "totalParameters", "activeParameters", "kvCacheBytesPerToken");
        var errors = new List<SpecError>();
        var rows = new List<ModelListRow>();
        foreach (var n in lib.ModelNames)
        {
            ModelSpec m;
            try { m = lib.Model(n); }
            catch (SpecException e) { errors.AddRange(e.Errors); continue; }
            var p = ModelMath.Parameters(m);
            double kv = ModelMath.KvCacheBytesPerToken(m);
            string window = m.SlidingWindow is int w ? $"+SW{w}" + (m.GlobalLayerCount > 0 ? $" on {m.SlidingLayerCount}/{m.NumLayers}" : "") : "";
            if (m.AttentionChunkSize is int chunk) window += $"+chunk{chunk}" + (m.GlobalLayerCount > 0 ? $" on {m.ChunkedLayerCount}/{m.NumLayers}" : "");
            if (m.LinearLayerCount > 0) window += $"+linear on {m.LinearLayerCount}/{m.NumLayers}";
            if (m.AttentionSinks) window += "+sinks";
            string attn = m.AttentionKind.ToString().ToUpperInvariant() + window + (m.Moe is { } moe ? $", MoE {moe.ExpertsPerToken}/{moe.NumExperts}" : "");
            rows.Add(new ModelListRow(m.Name, m.DisplayName, m.ModelType, attn, m.NumLayers, m.HiddenSize, JsonOutput.N(p.Total), JsonOutput.N(p.Active), JsonOutput.N(kv)));
            table.Add((m.Name, m.Name), (m.DisplayName, m.DisplayName), (m.ModelType, m.ModelType), (attn, attn), (m.NumLayers.ToString(), m.NumLayers), (m.HiddenSize.ToString(), m.HiddenSize),
                (F.Count(p.Total), p.Total), (F.Count(p.Active), p.Active), (F.Bytes(kv), kv));
        }
        if (format == OutputFormat.Table) ctx.Out.WriteLine($"{table.Count} model specs in {lib.ModelsDir}");
        if (format == OutputFormat.Json) ctx.Out.Write(JsonOutput.Write(rows));
        else ctx.Write(table, format);
        return ctx.ReportLoadErrors(errors);
    }

    /// <summary>The description of a model with derived figures (the JSON of models show; schema docs/schemas/models-show.schema.json).</summary>
    public static ModelShowOutput Describe(ModelSpec m)
    {
        var p = ModelMath.Parameters(m);
        bool someSlide = m.SlidingWindow is not null && m.GlobalLayerCount > 0;
        bool linear = m.LinearAttention is not null && m.LinearLayerCount > 0;
        var mtp = m.NumNextnPredictLayers > 0 ? ModelMath.MtpParameters(m) : (Total: 0.0, Active: 0.0);
        return new ModelShowOutput(m.Name, m.DisplayName, m.ModelType, m.AttentionKind.ToString().ToLowerInvariant(), m.HiddenSize, m.NumLayers, m.NumAttentionHeads,
            m.NumKeyValueHeads, m.HeadDim, m.IntermediateSize, m.VocabSize, m.GatedMlp, m.TieWordEmbeddings, m.SlidingWindow, p.Total, p.Active, p.Embedding,
            ModelMath.KvCacheBytesPerToken(m), ModelMath.KvCacheBytesPerToken(m, 8), m.Source)
        {
            // Only some layers use the window (Gemma 2/3): which ones.
            SlidingWindowLayers = someSlide ? [.. m.SlidingWindowLayers!.Layers] : null,
            GlobalLayers = someSlide || m.AttentionChunkSize is not null ? m.GlobalLayerCount : null,
            AttentionChunkSize = m.AttentionChunkSize,
            ChunkedLayers = m.AttentionChunkSize is not null ? m.ChunkedLayerCount : null,
            LinearAttentionLayers = linear ? m.LinearLayerCount : null,
            LinearStateBytesPerSequence = linear ? ModelMath.LinearStateBytesPerSequence(m) : null,
            LinearAttention = linear && m.LinearAttention is { } la ? new LinearAttentionOutput(la.NumKeyHeads, la.NumValueHeads, la.KeyHeadDim, la.ValueHeadDim, la.ConvKernel, la.StateBytesPerElement) : null,
            AttentionSinks = m.AttentionSinks ? true : null,
            // Counted apart, as the model cards do; not in totalParameters or in serving cost.
            MtpLayers = m.NumNextnPredictLayers > 0 ? m.NumNextnPredictLayers : null,
            MtpParameters = m.NumNextnPredictLayers > 0 ? mtp.Total : null,
            MtpActiveParameters = m.NumNextnPredictLayers > 0 ? mtp.Active : null,
            CheckpointWeights = m.CheckpointWeights,
            ExpertWeights = m.ExpertWeights,
            Notes = m.Notes is { Length: > 0 } notes ? notes : null,
            Moe = m.Moe is { } moe ? new MoeOutput(moe.NumExperts, moe.ExpertsPerToken, moe.ExpertIntermediateSize, moe.NumSharedExperts, moe.SharedExpertIntermediateSize, moe.FirstDenseLayers, m.MoeLayerCount) : null,
            Mla = m.Mla is { } mla ? new MlaOutput(mla.QLoraRank, mla.KvLoraRank, mla.QkNopeHeadDim, mla.QkRopeHeadDim, mla.VHeadDim) : null,
        };
    }

    private static int Show(CliContext ctx, ModelSpec m, OutputFormat format)
    {
        var described = Describe(m);
        if (format == OutputFormat.Json) { ctx.Out.Write(JsonOutput.Write(described)); return 0; }
        // The table lists the same fields as the JSON, in its order.
        var json = (JsonObject)System.Text.Json.JsonSerializer.SerializeToNode(described, JsonOutput.Options)!;
        var t = new Table("field", "value");
        foreach (var (k, v) in json)
        {
            string text = v is null ? "-" : v is JsonValue jv && jv.TryGetValue<double>(out var d) && d >= 1e6 ? $"{v.ToJsonString()} ({(k.Contains("Bytes") ? F.Bytes(d) : F.Count(d))})" : v is JsonValue sv && sv.TryGetValue<string>(out var s) ? s : v.ToJsonString();
            t.Add((k, k), (text, v?.ToJsonString()));
        }
        if (format == OutputFormat.Csv) ctx.Write(t, format);
        else ctx.Out.Write(t.ToText());
        return 0;
    }

    private static int Import(CliContext ctx, string path, string? name, string? output, bool strict)
    {
        // With -o and no --name the spec is named after the file it is written to, so it loads back by name too.
        name ??= output is null ? null : Path.GetFileNameWithoutExtension(output);
        var loaded = SpecFiles.LoadModel(path, name);
        var m = loaded.OrThrow();
        if (strict && !ModelSpecReader.IsKnownFamily(m.ModelType))
            throw new CliException($"{path}: model_type '{m.ModelType}' is not one the importer knows, and --strict refuses to assume its defaults (known: {string.Join(", ", ModelSpecReader.KnownModelTypes)})");
        foreach (var w in loaded.Warnings) ctx.Err.WriteLine("warning: " + w);
        string textOnly = m.Source.EndsWith(ModelSpecReader.TextOnlySourceNote, StringComparison.Ordinal) ? ModelSpecReader.TextOnlySourceNote : "";
        m = m with { Source = $"Hugging Face config.json imported from {Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)))}/{Path.GetFileName(path)}{textOnly}" };
        string yaml = ModelSpecWriter.ToYaml(m);
        if (output is null) { ctx.Out.Write(yaml); return 0; }
        try { File.WriteAllText(output, yaml); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
        {
            throw new CliException($"{output}: cannot write: {e.Message}");
        }
        var p = ModelMath.Parameters(m);
        ctx.Err.WriteLine($"wrote {output}: {m.Name}, {F.Count(p.Total)} parameters ({F.Count(p.Active)} active), {F.Bytes(ModelMath.KvCacheBytesPerToken(m))} KV cache per token");
        return 0;
    }
}
