using Simulator.Core.Loading;

namespace Simulator.Deploy.Options;

/// <summary>
/// A scenario: every option a planning or simulation run needs, in one YAML file (docs/FORMATS.md, "Scenario file").
/// Top-level keys are option names as on the command line without the dashes (<c>model</c>, <c>rate</c>,
/// <c>ttft-slo</c>); a key applies to each verb that has that option. A section named after a verb
/// (<c>simulate:</c>, <c>plan:</c>) holds options for that verb alone and overrides the shared ones. The hash
/// identifies the file's content in outputs.
/// </summary>
/// <param name="File">The file as the user named it.</param>
/// <param name="Hash">SHA-256 of its text (<see cref="OptionYaml.Hash"/>).</param>
/// <param name="Name">The <c>name:</c> field, or the file name without extension.</param>
/// <param name="Shared">Top-level options.</param>
/// <param name="Sections">Options per verb section, by verb.</param>
public sealed record ScenarioFile(string File, string Hash, string Name, IReadOnlyList<OptionEntry> Shared, IReadOnlyDictionary<string, IReadOnlyList<OptionEntry>> Sections)
{
    /// <summary>Keys that describe the scenario rather than set an option.</summary>
    public static readonly IReadOnlyList<string> Reserved = ["name", "description"];

    /// <summary>
    /// The options for <paramref name="verb"/>: the shared ones it has (<paramref name="has"/> says which names it has),
    /// replaced by its section's. Shared keys no verb knows and section keys the verb lacks are errors; a shared key
    /// known only to other verbs is left out.
    /// </summary>
    /// <param name="knownToAny">Whether any verb that reads scenarios has an option of this name.</param>
    public IReadOnlyList<OptionEntry> For(string verb, Func<string, bool> has, Func<string, bool> knownToAny, Func<string, IEnumerable<string>> namesOf)
    {
        var errors = new List<SpecError>();
        var result = new Dictionary<string, OptionEntry>(StringComparer.Ordinal);
        foreach (var e in Shared)
        {
            if (has(e.Key)) result[e.Key] = e;
            else if (!knownToAny(e.Key) && !Sections.ContainsKey(e.Key))
                errors.Add(new SpecError(e.File, e.Line, e.Field, "not an option of plan, simulate, report or day (keys are option names without the dashes)." + NameMatcher.Suggest(e.Key, namesOf(verb))));
        }
        if (Sections.TryGetValue(verb, out var own))
            foreach (var e in own)
            {
                if (has(e.Key)) result[e.Key] = e;
                else errors.Add(new SpecError(e.File, e.Line, e.Field, $"not an option of {verb}." + NameMatcher.Suggest(e.Key, namesOf(verb))));
            }
        if (errors.Count > 0) throw new SpecException(errors);
        // Keep file order: shared entries first, each replaced in place by its section's.
        return result.Values.OrderBy(e => e.Line).ToList();
    }

    /// <summary>Parses a scenario's text; <paramref name="verbs"/> are the section names allowed.</summary>
    public static ScenarioFile Parse(string file, string text, IReadOnlyCollection<string> verbs)
    {
        var errors = new List<SpecError>();
        var r = YamlFieldReader.Open(file, text, errors);
        if (r is null) throw new SpecException(errors);
        string name = r.Str("name") ?? Path.GetFileNameWithoutExtension(file);
        r.Ignore("description");
        var sections = new Dictionary<string, IReadOnlyList<OptionEntry>>(StringComparer.Ordinal);
        foreach (var verb in verbs)
            if (r.IsMap(verb) && r.Map(verb) is { } section)
                sections[verb] = OptionYaml.Entries(section, verb, [], errors);
        var shared = OptionYaml.Entries(r, "", [.. Reserved, .. sections.Keys], errors);
        if (errors.Count > 0) throw new SpecException(errors);
        return new ScenarioFile(file, OptionYaml.Hash(text), name, shared, sections);
    }
}
