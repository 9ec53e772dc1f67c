using System.Globalization;
using Simulator.Core.Specs;

namespace Simulator.Core.Loading;

/// <summary>
/// The engine profiles of a folder (<c>engine-profiles/ENGINE@VERSION.yaml</c>): finds one by <c>engine</c> (its newest
/// version), <c>engine@version</c> or a file path, loads each once, and suggests the closest names when one is wrong.
/// </summary>
public sealed class EngineLibrary(string dir)
{
    private readonly Dictionary<string, EngineProfile> _cache = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The folder searched.</summary>
    public string Dir { get; } = dir;

    /// <summary>Every profile name in the folder (<c>engine@version</c>), sorted.</summary>
    public IReadOnlyList<string> Names =>
        Directory.Exists(Dir)
            ? Directory.EnumerateFiles(Dir, "*@*.yaml").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal).ToArray()
            : [];

    /// <summary>
    /// A profile by <c>vllm</c>, <c>vllm@0.11</c> or a path to a YAML file; throws <see cref="SpecException"/> naming the
    /// closest profiles when none matches.
    /// </summary>
    public EngineProfile Get(string nameOrPath)
    {
        string key = nameOrPath.Trim();
        if (_cache.TryGetValue(key, out var cached)) return cached;
        string path;
        if (key.Contains('/') || key.Contains('\\') || key.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || key.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(key)) throw new SpecException(key, "engine profile file not found");
            path = key;
        }
        else
        {
            var names = Names;
            string? match = key.Contains('@')
                ? names.FirstOrDefault(n => string.Equals(n, key, StringComparison.OrdinalIgnoreCase))
                : names.Where(n => n.StartsWith(key + "@", StringComparison.OrdinalIgnoreCase)).OrderBy(n => VersionKey(n[(n.IndexOf('@') + 1)..])).LastOrDefault();
            if (match is null)
                throw new SpecException(key, $"unknown engine '{key}'; profiles: {(names.Count == 0 ? "none" : string.Join(", ", names))} (looked in {Dir}).{NameMatcher.Suggest(key, names.Concat(names.Select(n => n.Split('@')[0])).Distinct())}");
            path = Path.Combine(Dir, match + ".yaml");
        }
        var profile = EngineProfileReader.Load(path).OrThrow();
        _cache[key] = profile;
        return profile;
    }

    /// <summary>Sortable form of a version (<c>0.11</c> &lt; <c>0.5.4</c> is wrong as text; as numbers 0.5.4 &lt; 0.11).</summary>
    public static string VersionKey(string version) =>
        string.Join('.', version.Split('.', '-', '+').Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n.ToString("D6", CultureInfo.InvariantCulture) : p));

    /// <summary>Loads every profile in the folder and returns all problems (for a consistency check).</summary>
    public IReadOnlyList<SpecError> CheckAll()
    {
        var errors = new List<SpecError>();
        foreach (var n in Names)
        {
            try { Get(n); }
            catch (SpecException e) { errors.AddRange(e.Errors); }
        }
        return errors;
    }
}
