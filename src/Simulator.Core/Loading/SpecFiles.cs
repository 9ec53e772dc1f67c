using Simulator.Core.Specs;

namespace Simulator.Core.Loading;

/// <summary>Loads single spec files from disk, turning every problem into <see cref="SpecError"/> values.</summary>
public static class SpecFiles
{
    /// <summary>Largest spec, workload or calibration file read (far beyond any real one; keeps a hostile file from taking minutes).</summary>
    public const long MaxSpecBytes = 16_000_000;

    /// <summary>Reads a file's text, or records why it cannot be read.</summary>
    public static string? ReadText(string path, List<SpecError> errors)
    {
        try
        {
            if (Directory.Exists(path))
            {
                errors.Add(new SpecError(path, 0, "", "is a folder, not a file"));
                return null;
            }
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxSpecBytes)
            {
                errors.Add(new SpecError(path, 0, "", $"is {info.Length / 1e6:0.#} MB; a spec file is at most {MaxSpecBytes / 1e6:0} MB"));
                return null;
            }
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            errors.Add(new SpecError(path, 0, "", "cannot be read: " + e.Message));
            return null;
        }
    }

    /// <summary>Loads a hardware profile YAML file.</summary>
    public static Loaded<HardwareProfile> LoadProfile(string path)
    {
        var errors = new List<SpecError>();
        var text = ReadText(path, errors);
        var reader = text is null ? null : YamlFieldReader.Open(path, text, errors);
        var value = reader is null ? null : HardwareReader.ReadProfile(reader, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", errors);
        CheckName(path, value?.Name, reader, errors);
        return new Loaded<HardwareProfile>(errors.Count == 0 ? value : null, errors);
    }

    /// <summary>Loads an interconnect YAML file.</summary>
    public static Loaded<Interconnect> LoadInterconnect(string path)
    {
        var errors = new List<SpecError>();
        var text = ReadText(path, errors);
        var reader = text is null ? null : YamlFieldReader.Open(path, text, errors);
        var value = reader is null ? null : HardwareReader.ReadInterconnect(reader, errors);
        CheckName(path, value?.Name, reader, errors);
        return new Loaded<Interconnect>(errors.Count == 0 ? value : null, errors);
    }

    /// <summary>
    /// Loads a model spec: a spec YAML file, or a Hugging Face config.json (by extension). A config.json of a
    /// model_type the importer does not know loads with a warning that lists every value it assumed.
    /// </summary>
    /// <param name="nameOverride">The spec's name instead of the one in the file (or derived from its path).</param>
    /// <param name="requireNameMatch">
    /// Whether a YAML file's <c>name:</c> must equal its file name: true for files the library finds by name, false
    /// for a file given by path, which loads whatever it is called.
    /// </param>
    public static Loaded<ModelSpec> LoadModel(string path, string? nameOverride = null, bool requireNameMatch = false)
    {
        var errors = new List<SpecError>();
        var text = ReadText(path, errors);
        if (text is null) return new Loaded<ModelSpec>(null, errors);
        bool json = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        string defaultName = nameOverride ?? DefaultNameFor(path);
        ModelSpec? value;
        var warnings = new List<string>();
        if (json)
        {
            var reader = JsonFieldReader.Open(path, text, errors);
            var assumed = new List<AssumedField>();
            value = reader is null ? null : ModelSpecReader.Read(reader, defaultName, fromHf: true, errors, assumed);
            if (value is not null && !ModelSpecReader.IsKnownFamily(value.ModelType))
                warnings.Add(UnknownFamilyWarning(path, value.ModelType, assumed));
        }
        else
        {
            var reader = YamlFieldReader.Open(path, text, errors);
            value = reader is null ? null : ModelSpecReader.Read(reader, defaultName, fromHf: false, errors);
            if (requireNameMatch) CheckName(path, value?.Name, reader, errors);
            if (value is not null && nameOverride is not null) value = value with { Name = nameOverride };
        }
        return new Loaded<ModelSpec>(errors.Count == 0 ? value : null, errors) { Warnings = errors.Count == 0 ? warnings : [] };
    }

    /// <summary>
    /// <c>FILE: model_type 'x' is not one the importer knows; assumed: tie_word_embeddings=false (not in the config), ...</c>
    /// </summary>
    public static string UnknownFamilyWarning(string path, string modelType, IReadOnlyList<AssumedField> assumed) =>
        $"{path}: model_type '{modelType}' is not one the importer knows; assumed: "
        + (assumed.Count == 0 ? "nothing" : string.Join(", ", assumed))
        + $" (known: {string.Join(", ", ModelSpecReader.KnownModelTypes)})";

    /// <summary>A model name for a config.json: its folder's name when the file is called config.json, else the file's stem.</summary>
    public static string DefaultNameFor(string path)
    {
        string stem = Path.GetFileNameWithoutExtension(path);
        if (stem.Equals("config", StringComparison.OrdinalIgnoreCase))
        {
            string? dir = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)));
            if (!string.IsNullOrEmpty(dir)) stem = dir;
        }
        return stem.ToLowerInvariant();
    }

    /// <summary>Library files are found by name, so a file's name must match its <c>name:</c> field.</summary>
    private static void CheckName(string path, string? name, YamlFieldReader? reader, List<SpecError> errors)
    {
        if (name is null || reader is null) return;
        string stem = Path.GetFileNameWithoutExtension(path);
        if (!string.Equals(stem, name, StringComparison.OrdinalIgnoreCase))
            errors.Add(new SpecError(path, reader.Line, "name", $"'{name}' differs from the file name '{stem}'; they must match so the file can be found by name"));
    }
}
