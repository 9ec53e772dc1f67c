using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json.Nodes;
using Simulator.Core.Loading;
using Simulator.Deploy.Options;

namespace Simulator.Cli.Options;

/// <summary>A scenario file an invocation read its options from: outputs record its name, path and hash.</summary>
public sealed record ScenarioUse(string File, string Hash, string Name);

/// <summary>
/// Scenario files: <c>llmsim plan SCENARIO.yaml [options]</c>. Each key of the file is the name of one of the verb's
/// options (as on the command line without the dashes), so every value goes through the same typed option parser as
/// the command line; the file's values become option tokens for the options not given on the command line (the
/// command line wins), and a problem with a value is reported at its file, line and key.
/// </summary>
public static class Scenario
{
    /// <summary>The verbs that take a scenario file.</summary>
    public static readonly IReadOnlyList<string> Verbs = ["plan", "simulate", "report", "day"];

    /// <summary>The positional argument those verbs take.</summary>
    public static Argument<string?> Argument() => new("scenario")
    {
        Description = "A scenario file (YAML, docs/FORMATS.md) holding the options; options given here override it",
        HelpName = "SCENARIO.yaml",
        Arity = ArgumentArity.ZeroOrOne,
    };

    /// <summary>The long name of an option without its dashes (<c>ttft-slo</c>).</summary>
    public static string Key(Option o) => o.Name.TrimStart('-');

    /// <summary>The options of a verb by key (help and version left out).</summary>
    public static Dictionary<string, Option> OptionsOf(Command verb) =>
        verb.Options.Where(o => o is not System.CommandLine.Help.HelpOption && o is not VersionOption && o.Name.StartsWith("--")).GroupBy(Key).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>
    /// When <paramref name="parsed"/> names a scenario file, the arguments with the scenario's options added (those the
    /// command line does not give), the scenario, and which option came from which entry; otherwise null.
    /// </summary>
    public static (string[] Args, ScenarioUse Use, Dictionary<Option, OptionEntry> Sources)? Expand(RootCommand root, ParseResult parsed, string[] args)
    {
        var verb = parsed.CommandResult.Command;
        if (!Verbs.Contains(verb.Name) || verb.Arguments.FirstOrDefault(a => a.Name == "scenario") is not Argument<string?> arg) return null;
        if (parsed.GetResult(arg) is not { } given || given.Tokens.Count == 0) return null;
        string path = given.Tokens[0].Value;
        if (!File.Exists(path)) throw new CliException($"scenario file '{path}' not found");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"{path}: cannot read: {e.Message}"); }
        var scenario = ScenarioFile.Parse(path, text, Verbs);
        var mine = OptionsOf(verb);
        var all = Verbs.Select(v => root.Subcommands.First(c => c.Name == v)).SelectMany(c => OptionsOf(c).Keys).ToHashSet(StringComparer.Ordinal);
        var entries = scenario.For(verb.Name, mine.ContainsKey, all.Contains, _ => mine.Keys);
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var extra = new List<string>();
        var sources = new Dictionary<Option, OptionEntry>();
        foreach (var e in entries)
        {
            var option = mine[e.Key];
            if (parsed.GetResult(option) is { Implicit: false }) continue;   // the command line wins
            sources[option] = e;
            if (option.ValueType == typeof(bool))
            {
                string t = e.Value.Text.Trim().ToLowerInvariant();
                if (t is not ("true" or "false")) throw new SpecException([new SpecError(e.File, e.Line, e.Field, $"{option.Name} is a switch: write true or false, not '{e.Value.Text}'")]);
                if (t == "true") extra.Add(option.Name);
                continue;
            }
            extra.Add(option.Name);
            extra.Add(Relative(e.Value, dir));
        }
        return ([.. args, .. extra], new ScenarioUse(path, scenario.Hash, scenario.Name), sources);
    }

    /// <summary>A value naming a file beside the scenario is read from there: paths in a scenario are relative to it.</summary>
    private static string Relative(OptionValue v, string dir)
    {
        string text = v.Text;
        if (v.Kind != OptionValueKind.Scalar || Path.IsPathRooted(text) || !(text.Contains('/') || text.Contains('\\') || Path.HasExtension(text))) return text;
        string beside = Path.Combine(dir, text);
        return File.Exists(beside) || Directory.Exists(beside) ? beside : text;
    }

    /// <summary>A parse error, prefixed with the scenario file, line and key when the option's value came from it.</summary>
    public static string Message(ParseError error, IReadOnlyDictionary<Option, OptionEntry>? sources)
    {
        if (sources is null) return error.Message;
        for (SymbolResult? s = error.SymbolResult; s is not null; s = s.Parent)
            if (s is OptionResult o && sources.TryGetValue(o.Option, out var e)) return $"{e.Where}: {error.Message}";
        return error.Message;
    }

    /// <summary>
    /// The JSON Schema of scenario files: every option of the verbs that read them (each value as its typed option
    /// takes it), and one section per verb with that verb's options.
    /// </summary>
    public static JsonObject Schema(RootCommand root)
    {
        var verbs = Verbs.Select(v => root.Subcommands.First(c => c.Name == v)).ToList();
        JsonObject Props(IEnumerable<Option> options)
        {
            var o = new JsonObject();
            foreach (var opt in options.GroupBy(Key).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.First()))
                o[Key(opt)] = Opt.SchemaOf(opt);
            return o;
        }
        var props = new JsonObject
        {
            ["name"] = new JsonObject { ["description"] = "Name of the scenario (default: the file name)", ["type"] = "string" },
            ["description"] = new JsonObject { ["description"] = "Free text, ignored", ["type"] = "string" },
        };
        foreach (var (k, v) in Props(verbs.SelectMany(c => OptionsOf(c).Values))) props[k] = v!.DeepClone();
        static JsonObject Workload() => new()
        {
            ["description"] = "A workload preset, a workload file, or (simulate) the workload itself: request classes and arrivals as in a workload file (docs/FORMATS.md)",
            ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "string" }, new JsonObject { ["type"] = "object" }),
        };
        props["workload"] = Workload();
        foreach (var v in verbs)
        {
            var own = Props(OptionsOf(v).Values);
            if (own.ContainsKey("workload")) own["workload"] = Workload();
            props[v.Name] = new JsonObject
            {
                ["description"] = $"Options for {v.Name} alone; they override the shared ones",
                ["type"] = "object",
                ["properties"] = own,
                ["additionalProperties"] = false,
            };
        }
        return new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = "llmsim scenario file",
            ["description"] = "Keys are the options of plan, simulate, report and day without their dashes; a key applies to each verb that has it",
            ["type"] = "object",
            ["properties"] = props,
            ["additionalProperties"] = false,
        };
    }
}
