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

    /// <summary>Loads a model spec: a spec YAML file, or a Hugging Face config.json (by extension).</summary>
    public static Loaded<ModelSpec> LoadModel(string path, string? nameOverride = null)
    {
        var errors = new List<SpecError>();
        var text = ReadText(path, errors);
        if (text is null) return new Loaded<ModelSpec>(null, errors);
        bool json = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        string defaultName = nameOverride ?? DefaultNameFor(path);
        ModelSpec? value;
        if (json)
        {
            var reader = JsonFieldReader.Open(path, text, errors);
            value = reader is null ? null : ModelSpecReader.Read(reader, defaultName, fromHf: true, errors);
        }
        else
        {
            var reader = YamlFieldReader.Open(path, text, errors);
            value = reader is null ? null : ModelSpecReader.Read(reader, defaultName, fromHf: false, errors);
            CheckName(path, value?.Name, reader, errors);
            if (value is not null && nameOverride is not null) value = value with { Name = nameOverride };
        }
        return new Loaded<ModelSpec>(errors.Count == 0 ? value : null, errors);
    }

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

    /// <summary>Shipped files are found by name, so a file's name must match its <c>name:</c> field.</summary>
    private static void CheckName(string path, string? name, YamlFieldReader? reader, List<SpecError> errors)
    {
        if (name is null || reader is null) return;
        string stem = Path.GetFileNameWithoutExtension(path);
        if (!string.Equals(stem, name, StringComparison.OrdinalIgnoreCase))
            errors.Add(new SpecError(path, reader.Line, "name", $"'{name}' differs from the file name '{stem}'; they must match so the file can be found by name"));
    }
}
