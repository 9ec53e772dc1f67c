using Simulator.Cli.Output;
using Simulator.Core.Loading;

namespace Simulator.Cli;

/// <summary>A usage problem the user can fix (bad option value, impossible request); printed without a stack trace.</summary>
public sealed class CliException(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Where output goes and where the spec library lives, for one invocation.</summary>
public sealed class CliContext(TextWriter stdout, TextWriter stderr)
{
    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;

    /// <summary>Whether stdout is an interactive terminal (progress is shown only then).</summary>
    public bool Interactive { get; init; }

    /// <summary>The shipped library folder: next to the executable (copied at build/pack), else found above the working folder.</summary>
    public static string DefaultDir(string folder)
    {
        string? env = Environment.GetEnvironmentVariable(folder == "hardware-profiles" ? "LLMSIM_HARDWARE_DIR" : "LLMSIM_MODELS_DIR");
        if (!string.IsNullOrEmpty(env)) return env;
        string beside = Path.Combine(AppContext.BaseDirectory, folder);
        if (Directory.Exists(beside)) return beside;
        var dir = new DirectoryInfo(Directory.GetCurrentDirectory());
        while (dir is not null)
        {
            string candidate = Path.Combine(dir.FullName, folder);
            if (Directory.Exists(candidate)) return candidate;
            dir = dir.Parent;
        }
        return beside;
    }

    /// <summary>
    /// Opens the library for the given folders (null: the defaults). Warnings from loading (a config.json of a model
    /// family the importer does not know, with what it assumed) go to stderr, once per file.
    /// </summary>
    public SpecLibrary Library(string? hardwareDir, string? modelsDir) =>
        new(hardwareDir ?? DefaultDir("hardware-profiles"), modelsDir ?? DefaultDir("model-specs"), w => Err.WriteLine("warning: " + w));

    /// <summary>Writes a table in the chosen format.</summary>
    public void Write(Table table, OutputFormat format)
    {
        switch (format)
        {
            case OutputFormat.Json: Out.Write(Json.Write(table.ToJson())); break;
            case OutputFormat.Csv: Out.Write(table.ToCsv()); break;
            default: Out.Write(table.ToText()); break;
        }
    }
}
