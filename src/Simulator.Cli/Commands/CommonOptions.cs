using System.CommandLine;
using Simulator.Cli.Output;

namespace Simulator.Cli.Commands;

/// <summary>Options shared by many verbs, defined once.</summary>
public static class CommonOptions
{
    public static Option<OutputFormat> Format() => new("--format", "-f")
    {
        Description = "Output format: table (default), json or csv",
        DefaultValueFactory = _ => OutputFormat.Table,
        CustomParser = r =>
        {
            string v = r.Tokens.Count > 0 ? r.Tokens[0].Value : "table";
            if (Enum.TryParse<OutputFormat>(v, ignoreCase: true, out var f)) return f;
            r.AddError($"--format must be table, json or csv, not '{v}'");
            return OutputFormat.Table;
        },
    };

    /// <summary>--engine: a serving engine profile (engine-profiles/ENGINE@VERSION.yaml) by engine, engine@version or path.</summary>
    public static Option<string?> Engine() => new("--engine")
    {
        Description = "Serving engine to imitate: vllm, sglang or trtllm, optionally @VERSION (vllm@0.11), or a profile YAML path; "
            + "its scheduler, limits, KV memory and dtype rules, CUDA graphs and CPU overheads apply (default: the generic engine: "
            + "kernels launched one by one, no CPU time, vLLM's memory rule)",
        HelpName = "ENGINE[@VERSION]",
    };

    /// <summary>A --plot option: a chart file (.png or .svg), checked before any work is done.</summary>
    public static Option<string?> Plot(string description) => new("--plot") { Description = description };

    /// <summary>
    /// Checks a chart path before the run starts (extension, folder exists and is writable), so a bad --plot fails
    /// with exit code 2 before any table is printed; returns the path (null when none was given).
    /// </summary>
    public static string? CheckPlotPath(string? path)
    {
        if (path is null) return null;
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".png" or ".svg")) throw new CliException($"--plot: '{path}' must end in .png or .svg");
        OutputFile.CheckWritable(path, "--plot");
        return path;
    }

    /// <summary>--hardware-dir: a folder of hardware profiles in place of the shipped ones (recursive: usable after any verb).</summary>
    public static readonly Option<string?> HardwareDir = new("--hardware-dir")
    {
        Description = "Folder of hardware profiles (gpu/, fpga/, npu/, cpu/, interconnects/, clusters/) to use instead of the shipped library",
        Recursive = true,
    };

    /// <summary>--models-dir: a folder of model specs in place of the shipped ones.</summary>
    public static readonly Option<string?> ModelsDir = new("--models-dir")
    {
        Description = "Folder of model specs to use instead of the shipped library",
        Recursive = true,
    };
}
