using System.Text;
using Simulator.Deploy.Yaml;

namespace Simulator.Deploy.Export;

/// <summary>What an export can write.</summary>
public enum ExportTarget
{
    /// <summary><c>vllm.sh</c>: a vllm serve command per replica group.</summary>
    Vllm,
    /// <summary><c>sglang.sh</c>: a launch_server command per replica group.</summary>
    Sglang,
    /// <summary><c>trtllm.sh</c> and one extra-options YAML per group that needs one.</summary>
    Trtllm,
    /// <summary><c>dynamo.sh</c>: Dynamo's frontend and a vLLM worker per group (prefill and decode workers for a disaggregated plan).</summary>
    Dynamo,
    /// <summary><c>kubernetes.yaml</c>: Deployments or LeaderWorkerSets and Services.</summary>
    Kubernetes,
}

/// <summary>One file an export writes.</summary>
/// <param name="Name">File name within the export folder.</param>
/// <param name="Content">Its text (UTF-8, \n line ends).</param>
/// <param name="CheckedAgainst">The engine flag list its flags were checked against ("vllm 0.11.0"), or null.</param>
/// <param name="Commands">The engine commands it holds, for tests and summaries.</param>
public sealed record ExportFile(string Name, string Content, string? CheckedAgainst, IReadOnlyList<EngineCommand> Commands);

/// <summary>An export: the deployment, which files, and the choices Kubernetes needs.</summary>
public sealed record ExportRequest
{
    /// <summary>The deployment to write.</summary>
    public required DeploymentSpec Deployment { get; init; }
    /// <summary>What the deployment came from (a plan file, a plan run), for the files' headers.</summary>
    public required string Origin { get; init; }
    /// <summary>Files to write (default: every engine, Dynamo only for a disaggregated plan, and Kubernetes).</summary>
    public IReadOnlyList<ExportTarget>? Targets { get; init; }
    /// <summary>The engine Kubernetes pods run.</summary>
    public Engine KubernetesEngine { get; init; } = Engine.Vllm;
    /// <summary>Container image (default: the engine's image at the version its flags were checked against).</summary>
    public string? Image { get; init; }
    /// <summary>Kubernetes namespace (default: none written, so kubectl's current one).</summary>
    public string? Namespace { get; init; }

    /// <summary>The targets in force.</summary>
    public IReadOnlyList<ExportTarget> EffectiveTargets => Targets ??
        (Deployment.Disaggregated ? [ExportTarget.Vllm, ExportTarget.Sglang, ExportTarget.Trtllm, ExportTarget.Dynamo, ExportTarget.Kubernetes]
                                  : [ExportTarget.Vllm, ExportTarget.Sglang, ExportTarget.Trtllm, ExportTarget.Kubernetes]);
}

/// <summary>
/// Writes a deployment as launch files for each engine and as Kubernetes manifests, every flag checked against the
/// engine version's sourced list (a flag the list lacks is a bug: <see cref="InvalidOperationException"/>). Pure:
/// returns the files' names and contents; the caller writes them.
/// </summary>
public static class Exporter
{
    /// <summary>Builds every file of the export. Throws <see cref="ArgumentException"/> for a deployment a target cannot express.</summary>
    public static IReadOnlyList<ExportFile> Export(ExportRequest r, EngineFlagLibrary flags)
    {
        var d = r.Deployment;
        var keys = EngineLaunches.Keys(d);
        var files = new List<ExportFile>();
        foreach (var target in r.EffectiveTargets.Distinct())
        {
            switch (target)
            {
                case ExportTarget.Vllm:
                    files.Add(Script("vllm.sh", d, r, flags["vllm"], d.Groups.Select((g, i) => EngineLaunches.Vllm(d, g, keys[i], NodePlaceholders.Shell)).ToList(), flags));
                    break;
                case ExportTarget.Sglang:
                    files.Add(Script("sglang.sh", d, r, flags["sglang"], d.Groups.Select((g, i) => EngineLaunches.Sglang(d, g, keys[i], NodePlaceholders.Shell)).ToList(), flags));
                    break;
                case ExportTarget.Trtllm:
                {
                    var launches = d.Groups.Select((g, i) => EngineLaunches.Trtllm(d, g, keys[i], NodePlaceholders.Shell, $"trtllm-{keys[i]}.yaml")).ToList();
                    files.Add(Script("trtllm.sh", d, r, flags["trtllm-serve"], launches, flags));
                    var api = flags["trtllm-llmapi"];
                    foreach (var l in launches.Where(l => l.ExtraOptions is not null))
                    {
                        CheckKeys(api, l.ExtraOptions!);
                        files.Add(new ExportFile($"trtllm-{l.Key}.yaml", YamlText.Document(l.ExtraOptions!, [.. Header(d, r, api), $"{l.Key}: extra LLM API options for trtllm-serve --extra_llm_api_options"]), api.Label, []));
                    }
                    break;
                }
                case ExportTarget.Dynamo:
                    files.Add(Script("dynamo.sh", d, r, flags["dynamo"], d.Groups.Select((g, i) => EngineLaunches.DynamoWorker(d, g, keys[i], NodePlaceholders.Shell)).ToList(), flags,
                        frontend: EngineLaunches.DynamoFrontend()));
                    break;
                case ExportTarget.Kubernetes:
                {
                    var engine = r.KubernetesEngine;
                    var (list, launches) = engine switch
                    {
                        Engine.Vllm => (flags["vllm"], d.Groups.Select((g, i) => EngineLaunches.Vllm(d, g, keys[i], NodePlaceholders.Kubernetes)).ToList()),
                        Engine.Sglang => (flags["sglang"], d.Groups.Select((g, i) => EngineLaunches.Sglang(d, g, keys[i], NodePlaceholders.Kubernetes)).ToList()),
                        Engine.Trtllm => (flags["trtllm-serve"], d.Groups.Select((g, i) => EngineLaunches.Trtllm(d, g, keys[i], NodePlaceholders.Kubernetes, "/tmp/extra-llm-api-options.yaml")).ToList()),
                        _ => throw new ArgumentException("Kubernetes manifests run vllm, sglang or trtllm; Dynamo deploys on Kubernetes through its own operator"),
                    };
                    foreach (var l in launches) Check(flags, l.Command);
                    if (engine == Engine.Trtllm)
                        foreach (var l in launches.Where(l => l.ExtraOptions is not null)) CheckKeys(flags["trtllm-llmapi"], l.ExtraOptions!);
                    string yaml = KubernetesManifests.Build(d, launches, engine, list.Label, r.Image, r.Namespace, Header(d, r, list));
                    files.Add(new ExportFile("kubernetes.yaml", yaml, list.Label, launches.Select(l => l.Command).ToList()));
                    break;
                }
            }
        }
        return files;
    }

    /// <summary>The comment lines every file starts with: what is deployed, where it came from, what its flags were checked against.</summary>
    public static List<string> Header(DeploymentSpec d, ExportRequest r, EngineFlagList list)
    {
        string source = list.Source.FirstOrDefault(s => s.StartsWith("Source:", StringComparison.OrdinalIgnoreCase)) ?? list.Source.FirstOrDefault() ?? "";
        if (source.StartsWith("Source:", StringComparison.OrdinalIgnoreCase)) source = source[7..].Trim();
        source = source.TrimEnd(':', ' ');
        return
        [
            $"{d.Model} ({d.ModelId}): {string.Join(" + ", d.Groups.Select(g => g.Label))}; {d.Devices} devices",
            $"exported by llmsim from {r.Origin}",
            $"flags checked against {list.Label} ({Path.GetFileName(list.File)}): {source}",
        ];
    }

    /// <summary>Fails on a flag the engine's list does not name (a bug in the exporter).</summary>
    public static void Check(EngineFlagLibrary flags, EngineCommand cmd)
    {
        foreach (var f in cmd.Flags)
            if (!flags.Accepts(cmd.FlagList, f))
                throw new InvalidOperationException($"bug: the exporter wrote {f}, which {flags[cmd.FlagList].Label} does not list");
    }

    private static void CheckKeys(EngineFlagList api, YMap options)
    {
        foreach (var k in EngineLaunches.KeyPaths(options))
            if (!api.Contains(k)) throw new InvalidOperationException($"bug: the exporter wrote the LLM API key {k}, which {api.Label} does not list");
    }

    private static ExportFile Script(string name, DeploymentSpec d, ExportRequest r, EngineFlagList list, IReadOnlyList<GroupLaunch> launches, EngineFlagLibrary flags, EngineCommand? frontend = null)
    {
        var commands = new List<EngineCommand>();
        if (frontend is not null) commands.Add(frontend);
        commands.AddRange(launches.Select(l => l.Command));
        foreach (var c in commands) Check(flags, c);
        var sb = new StringBuilder("#!/bin/sh\n");
        foreach (var h in Header(d, r, list)) sb.Append("# ").Append(h).Append('\n');
        var names = new List<string>();
        if (frontend is not null) names.Add("frontend");
        names.AddRange(launches.Select(l => l.Key));
        sb.Append("#\n# Usage: sh ").Append(name).Append(" GROUP  starts one replica of GROUP on this machine; run it once per replica.\n");
        if (frontend is not null) sb.Append("#   frontend: Dynamo's HTTP frontend (one), port ").Append(EngineLaunches.Port).Append("; it needs Dynamo's discovery and request plane running (see Dynamo's docs)\n");
        foreach (var l in launches)
            sb.Append("#   ").Append(l.Key).Append(": ").Append(l.Group.Label).Append(", ").Append(l.Group.DevicesPerReplica).Append(' ').Append(l.Group.Hardware)
              .Append(" per replica").Append(l.Group.NodesPerReplica > 1 ? $" over {l.Group.NodesPerReplica} nodes" : "").Append('\n');
        sb.Append("set -eu\ncase \"${1:-}\" in\n");
        if (frontend is not null) sb.Append("  frontend)\n").Append(frontend.Shell("    ").Insert(4, "exec ")).Append("\n    ;;\n");
        foreach (var l in launches)
        {
            sb.Append("  ").Append(l.Key).Append(")\n");
            foreach (var n in l.Notes) sb.Append("    # note: ").Append(n).Append('\n');
            sb.Append(l.Command.Shell("    ").Insert(4, "exec ")).Append("\n    ;;\n");
        }
        sb.Append("  *)\n    echo \"usage: $0 ").Append(string.Join('|', names)).Append("\" >&2\n    exit 2\n    ;;\nesac\n");
        return new ExportFile(name, sb.ToString(), list.Label, commands);
    }
}
