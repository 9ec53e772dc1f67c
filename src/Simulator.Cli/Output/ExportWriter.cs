using System.CommandLine;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Core.Loading;
using Simulator.Deploy.Export;

using Simulator.Cli.Commands;

namespace Simulator.Cli.Output;

/// <summary>Writing a deployment's files and saying what was written: shared by <c>export</c> and <c>plan --export</c>.</summary>
public static class ExportWriter
{
    /// <summary>The export choices shared by export and plan --export.</summary>
    public sealed class ExportOptions
    {
        public readonly Option<IReadOnlyList<ExportTarget>?> To = Opt.ChoiceList("--to", "Files to write (default: every engine, Dynamo for disaggregated plans, and Kubernetes)",
            ("vllm", ExportTarget.Vllm), ("sglang", ExportTarget.Sglang), ("trtllm", ExportTarget.Trtllm), ("dynamo", ExportTarget.Dynamo), ("kubernetes", ExportTarget.Kubernetes));
        public readonly Option<Engine> Engine = Opt.Choice("--engine", "The engine Kubernetes pods run", Deploy.Export.Engine.Vllm,
            ("vllm", Deploy.Export.Engine.Vllm), ("sglang", Deploy.Export.Engine.Sglang), ("trtllm", Deploy.Export.Engine.Trtllm));
        public readonly Option<string?> Image = new("--image") { Description = "Container image for the Kubernetes pods (default: the engine's image at the version its flags were checked against)" };
        public readonly Option<string?> Namespace = new("--namespace") { Description = "Kubernetes namespace of the objects (default: none written, so kubectl's current one)" };
        public readonly Option<string?> Name = new("--name") { Description = "Base name of the Kubernetes objects (default: the model's name)" };
        public readonly Option<string?> ModelPath = new("--model-path") { Description = "What the engines load (a Hugging Face id or a path; default: the id in the model spec's source), e.g. a quantized checkpoint" };

        public IEnumerable<Option> All() => [To, Engine, Image, Namespace, Name, ModelPath];

        /// <summary>The choices as given (for a command that has these options).</summary>
        public Choices From(ParseResult r) => new(r.GetValue(To) is { Count: > 0 } t ? t : null, r.GetValue(Engine), r.GetValue(Image), r.GetValue(Namespace), r.GetValue(Name), r.GetValue(ModelPath));
    }

    /// <summary>What an export may be told: targets, the engine of the Kubernetes pods, image, namespace, object name and model id (null: defaults).</summary>
    public sealed record Choices(IReadOnlyList<ExportTarget>? Targets = null, Engine Engine = Engine.Vllm, string? Image = null, string? Namespace = null, string? Name = null, string? ModelPath = null)
    {
        /// <summary>Builds every file, then writes them (so a deployment a target cannot express writes nothing) and says what was written.</summary>
        public ExportOutput Write(CliContext ctx, DeploymentSpec d, string folder, string origin, string option)
        {
            if (File.Exists(folder)) throw new CliException($"{option}: '{folder}' is a file; give a folder to write the export into");
            var flags = Flags();
            IReadOnlyList<ExportFile> files;
            try
            {
                files = Exporter.Export(new ExportRequest
                {
                    Deployment = d, Origin = origin, Targets = Targets, KubernetesEngine = Engine, Image = Image, Namespace = Namespace,
                }, flags);
            }
            catch (ArgumentException e) { throw new CliException(e.Message); }
            try { Directory.CreateDirectory(folder); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"{option}: cannot create '{folder}': {e.Message}"); }
            foreach (var f in files)
            {
                string path = Path.Combine(folder, f.Name);
                OutputFile.WriteAllText(path, f.Content, option);
                if (f.Name.EndsWith(".sh") && !OperatingSystem.IsWindows())
                    File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
            var keys = EngineLaunches.Keys(d);
            return new ExportOutput(d.Model, d.ModelId, origin, folder, d.Devices,
                d.Groups.Select((g, i) => new ExportGroupOutput(keys[i], g.Role.ToString().ToLowerInvariant(), g.Hardware, g.Count, g.Tp, g.Pp, g.Ep, g.Dp, g.Quantization, g.KvCacheDtype,
                    g.MaxBatch, g.MaxBatchedTokens, g.DevicesPerReplica, g.NodesPerReplica) { Speculative = g.Speculative }).ToList(),
                files.Select(f => new ExportFileOutput(Path.Combine(folder, f.Name), f.CheckedAgainst, f.Commands.Count)).ToList());
        }

        /// <summary>The model id the engines load: --model-path, else the spec's Hugging Face id, else its name (with a warning).</summary>
        public string ModelId(CliContext ctx, Core.Specs.ModelSpec model)
        {
            if (ModelPath is { } given) return given;
            if (DeploymentSpec.HuggingFaceId(model.Source) is { } id) return id;
            ctx.Err.WriteLine($"warning: {model.Name}'s spec names no Hugging Face id in its source; the commands load '{model.Name}' (give --model-path)");
            return model.Name;
        }
    }

    /// <summary>The engine flag lists shipped with llmsim (beside the executable, else above the working folder).</summary>
    public static EngineFlagLibrary Flags() => EngineFlagLibrary.Load(Path.Combine(CliContext.DefaultDir("engine-profiles"), "flags"));

    /// <summary>Prints what an export wrote: a table of files (or JSON), and the "wrote" lines on stderr.</summary>
    public static void Render(CliContext ctx, ExportOutput o, OutputFormat format, bool summaryOnStdout)
    {
        foreach (var f in o.Files) ctx.Err.WriteLine($"wrote {f.Path}");
        // What the launch files leave out goes to stderr whatever the format, so a JSON or plan --export run says it too.
        foreach (var g in o.Groups.Where(g => g.Speculative is not null))
            ctx.Err.WriteLine($"warning: {g.Key} counts on speculative decoding ({g.Speculative}); the launch files do not configure it (each says what to set)");
        if (!summaryOnStdout) return;
        if (format == OutputFormat.Json) { ctx.Out.Write(JsonOutput.Write(o)); return; }
        var t = new Table("file", "checkedAgainst", "commands").AlignRight("commands");
        foreach (var f in o.Files) t.Add((Path.GetFileName(f.Path), f.Path), (f.CheckedAgainst ?? "", f.CheckedAgainst), (f.Commands.ToString(), f.Commands));
        if (format == OutputFormat.Csv) { ctx.Write(t, format); return; }
        ctx.Out.WriteLine($"{o.Model} ({o.ModelId}) from {o.Origin}: {o.Devices} devices; files in {o.Folder}");
        foreach (var g in o.Groups)
            ctx.Out.WriteLine($"  {g.Key}: {g.Count}x {g.Hardware} TP{g.Tp}{(g.Pp > 1 ? $" PP{g.Pp}" : "")}{(g.Ep > 1 ? $" EP{g.Ep}" : "")}{(g.Dp > 1 ? $" DP{g.Dp}" : "")} {g.Quantization} (KV {g.KvCacheDtype}), max batch {g.MaxBatch}, {g.DevicesPerReplica} device{(g.DevicesPerReplica == 1 ? "" : "s")} per replica{(g.NodesPerReplica > 1 ? $" over {g.NodesPerReplica} nodes" : "")}");
        ctx.Out.Write(t.ToText());
    }
}
