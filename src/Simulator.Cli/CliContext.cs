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

    /// <summary>Whether stderr is an interactive terminal (progress is shown only then; stdout may be redirected).</summary>
    public bool Interactive { get; init; }

    /// <summary>The shipped library folder: next to the executable (copied at build/pack), else found above the working folder.</summary>
    public static string DefaultDir(string folder)
    {
        string? env = Environment.GetEnvironmentVariable(folder switch
        {
            "hardware-profiles" => "LLMSIM_HARDWARE_DIR",
            "engine-profiles" => "LLMSIM_ENGINES_DIR",
            _ => "LLMSIM_MODELS_DIR",
        });
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

    /// <summary>A folder shipped beside the executable (the build and the tool package copy it there).</summary>
    public static string ShippedDir(string folder)
    {
        string? env = folder == "measured" ? Environment.GetEnvironmentVariable("LLMSIM_MEASURED_DIR") : null;
        return string.IsNullOrEmpty(env) ? Path.Combine(AppContext.BaseDirectory, folder) : env;
    }

    /// <summary>
    /// Opens the library for the given folders (null: the defaults). A folder given that does not exist is an error, not an
    /// empty library. Warnings from loading (a config.json of a model family the importer does not know, with what it
    /// assumed) go to stderr, once per file.
    /// </summary>
    public SpecLibrary Library(string? hardwareDir, string? modelsDir)
    {
        if (hardwareDir is not null && !Directory.Exists(hardwareDir)) throw new CliException($"--hardware-dir: folder '{hardwareDir}' does not exist");
        if (modelsDir is not null && !Directory.Exists(modelsDir)) throw new CliException($"--models-dir: folder '{modelsDir}' does not exist");
        string hw = hardwareDir ?? DefaultDir("hardware-profiles"), models = modelsDir ?? DefaultDir("model-specs");
        // A sweep runs many points in one context: the specs and calibrations loaded for the first serve the rest.
        if (ReuseLibrary && _library is not null && _library.HardwareDir == hw && _libraryModels == models) return _library;
        var lib = new SpecLibrary(hw, models, w => Err.WriteLine("warning: " + w));
        _resolver = null;
        _library = lib;
        _libraryModels = models;
        return lib;
    }

    /// <summary>Opens the library named by the command line's --hardware-dir and --models-dir (or the shipped one).</summary>
    public SpecLibrary Library(System.CommandLine.ParseResult r) =>
        Library(r.GetValue(Commands.CommonOptions.HardwareDir), r.GetValue(Commands.CommonOptions.ModelsDir));

    private EngineLibrary? _engines;

    /// <summary>The engine profiles (<c>engine-profiles/</c> beside the executable or above the working folder, or LLMSIM_ENGINES_DIR).</summary>
    public EngineLibrary Engines => _engines ??= new EngineLibrary(DefaultDir("engine-profiles"));

    /// <summary>The engine profile a <c>--engine</c> value names (null: none given, the generic engine).</summary>
    public Core.Specs.EngineProfile? Engine(string? spec) => spec is null ? null : Engines.Get(spec);

    private SpecLibrary? _library;
    private string? _libraryModels;
    private Validation.DeviceResolver? _resolver;

    /// <summary>Keep the library (and calibrations) between invocations with the same folders: a sweep's points share them.</summary>
    public bool ReuseLibrary { get; init; }

    /// <summary>The scenario file this invocation's options were read from, if any (outputs record its hash).</summary>
    public Options.ScenarioUse? Scenario { get; set; }

    /// <summary>This invocation's device resolver (calibrations loaded once, applied files remembered), over the last library opened.</summary>
    public Validation.DeviceResolver Devices => _resolver ??= new Validation.DeviceResolver(_library);

    /// <summary>
    /// A progress line on stderr while a long step runs, shown only when stderr is a terminal; it reports elapsed
    /// time, and with <c>Report</c> the share done and the time remaining. Dispose to clear it.
    /// </summary>
    public ProgressLine Progress(string label) => new(Interactive ? Err : null, label);

    /// <summary>Reports library files that failed to load after a listing showed the rest: exit code 2, like any bad input.</summary>
    public int ReportLoadErrors(IReadOnlyCollection<SpecError> errors)
    {
        Cli.PrintErrors(Err, errors.Select(e => e.ToString()).ToList());
        return errors.Count == 0 ? 0 : Cli.BadInput;
    }

    /// <summary>Writes a table as text or CSV. JSON outputs are typed records written with <see cref="JsonOutput.Write{T}"/>, each with its schema.</summary>
    public void Write(Table table, OutputFormat format)
    {
        switch (format)
        {
            case OutputFormat.Json: throw new InvalidOperationException("a table is not a JSON output: write the verb's typed output record with JsonOutput.Write");
            case OutputFormat.Csv: Out.Write(table.ToCsv()); break;
            default: Out.Write(table.ToText()); break;
        }
    }
}

/// <summary>One progress line on a terminal: label, share done, elapsed and remaining time; silent without a terminal.</summary>
public sealed class ProgressLine : IDisposable
{
    private readonly TextWriter? _err;
    private readonly string _label;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private TimeSpan _lastDrawn = TimeSpan.FromSeconds(-1);
    private bool _drawn, _closed;

    public ProgressLine(TextWriter? err, string label)
    {
        _err = err;
        _label = label;
        if (_err is not null) Draw($"{_label} ...");
    }

    /// <summary>Reports progress as a fraction in [0, 1] (redrawn at most ten times a second), with an optional detail.</summary>
    public void Report(double fraction, string detail = "")
    {
        if (_err is null || _closed) return;
        var now = _clock.Elapsed;
        if ((now - _lastDrawn).TotalSeconds < 0.1) return;
        _lastDrawn = now;
        string remaining = fraction > 0.01 ? $", about {Simulator.Core.Units.Format.Seconds(now.TotalSeconds * (1 - fraction) / fraction)} left" : "";
        Draw($"{_label}: {fraction * 100:0}%{(detail.Length > 0 ? " (" + detail + ")" : "")}, {Simulator.Core.Units.Format.Seconds(now.TotalSeconds)} elapsed{remaining}");
    }

    /// <summary>Reports progress without a known total (elapsed time only).</summary>
    public void Report(string detail)
    {
        if (_err is null || _closed) return;
        var now = _clock.Elapsed;
        if ((now - _lastDrawn).TotalSeconds < 0.1) return;
        _lastDrawn = now;
        Draw($"{_label}: {detail}, {Simulator.Core.Units.Format.Seconds(now.TotalSeconds)} elapsed");
    }

    private void Draw(string text)
    {
        const int width = 100;
        if (text.Length > width) text = text[..width];
        _err!.Write("\r" + text.PadRight(width));
        _drawn = true;
    }

    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        if (_err is not null && _drawn) _err.Write("\r" + new string(' ', 100) + "\r");
    }
}
