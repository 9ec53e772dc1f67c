using Simulator.Core.Specs;

namespace Simulator.Core.Loading;

/// <summary>
/// The shipped (or user-given) hardware and model library: finds specs by name (case-insensitive) or by file
/// path, loads each once, and suggests the closest names when one is wrong.
/// </summary>
public sealed class SpecLibrary
{
    /// <summary>Sub-folders of the hardware folder that hold device profiles.</summary>
    public static readonly string[] DeviceFolders = ["gpu", "fpga", "npu", "tpu", "cpu"];

    private readonly Dictionary<string, string> _hardwareFiles;
    private readonly Dictionary<string, string> _interconnectFiles;
    private readonly Dictionary<string, string> _clusterFiles;
    private readonly Dictionary<string, string> _modelFiles;
    private readonly Dictionary<string, object> _cache = new(StringComparer.Ordinal);
    private readonly List<string> _warnings = [];
    private readonly Action<string>? _warn;

    /// <summary>Opens a library over a hardware folder and a models folder (either may be missing).</summary>
    /// <param name="warn">
    /// Called once per file with each warning a load produces (a config.json of a model family the importer does not
    /// know, with everything it assumed), so a caller such as the CLI can show it; also kept in <see cref="Warnings"/>.
    /// </param>
    public SpecLibrary(string hardwareDir, string modelsDir, Action<string>? warn = null)
    {
        _warn = warn;
        HardwareDir = hardwareDir;
        ModelsDir = modelsDir;
        _hardwareFiles = Index(DeviceFolders.Select(f => Path.Combine(hardwareDir, f)));
        _interconnectFiles = Index([Path.Combine(hardwareDir, "interconnects")]);
        _clusterFiles = Index([Path.Combine(hardwareDir, "clusters")]);
        _modelFiles = Index([modelsDir]);
    }

    public string HardwareDir { get; }
    public string ModelsDir { get; }

    /// <summary>Every warning the loads so far produced, in order (each file's once, since loads are cached).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Device profile names, sorted.</summary>
    public IReadOnlyList<string> HardwareNames => Sorted(_hardwareFiles);
    /// <summary>Interconnect names, sorted.</summary>
    public IReadOnlyList<string> InterconnectNames => Sorted(_interconnectFiles);
    /// <summary>Cluster names, sorted.</summary>
    public IReadOnlyList<string> ClusterNames => Sorted(_clusterFiles);
    /// <summary>Model names, sorted.</summary>
    public IReadOnlyList<string> ModelNames => Sorted(_modelFiles);

    private static IReadOnlyList<string> Sorted(Dictionary<string, string> files) =>
        files.Values.Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal).ToArray();

    private static Dictionary<string, string> Index(IEnumerable<string> dirs)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var dir in dirs)
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, "*.yaml").Concat(Directory.EnumerateFiles(dir, "*.yml")).Order(StringComparer.Ordinal))
                map.TryAdd(Path.GetFileNameWithoutExtension(file), file);
        }
        return map;
    }

    private static bool LooksLikePath(string s) =>
        s.Contains('/') || s.Contains('\\') || s.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
        || s.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || s.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    private string Resolve(string nameOrPath, Dictionary<string, string> files, string what)
    {
        if (LooksLikePath(nameOrPath))
        {
            if (File.Exists(nameOrPath)) return nameOrPath;
            throw new SpecException(nameOrPath, $"{what} file not found");
        }
        if (files.TryGetValue(nameOrPath.Trim(), out var path)) return path;
        string folder = what == "model" ? ModelsDir : HardwareDir;
        string hint = NameMatcher.Suggest(nameOrPath, files.Keys.Select(Path.GetFileNameWithoutExtension).OfType<string>()
            .Concat(files.Values.Select(p => Path.GetFileNameWithoutExtension(p))).Distinct());
        throw new SpecException(nameOrPath, $"unknown {what} '{nameOrPath}'.{hint} (looked in {folder}; 'llmsim {(what == "model" ? "models" : "hardware")} list' shows them all)");
    }

    private T Cached<T>(string kind, string path, Func<Loaded<T>> load) where T : class
    {
        string key = kind + ":" + Path.GetFullPath(path);
        if (_cache.TryGetValue(key, out var v)) return (T)v;
        var loaded = load();
        var value = loaded.OrThrow();
        _cache[key] = value;
        foreach (var w in loaded.Warnings)
        {
            _warnings.Add(w);
            _warn?.Invoke(w);
        }
        return value;
    }

    /// <summary>A device profile by name or path; throws <see cref="SpecException"/> with every problem.</summary>
    public HardwareProfile Hardware(string nameOrPath)
    {
        string path = Resolve(nameOrPath, _hardwareFiles, "hardware profile");
        return Cached("hw", path, () =>
        {
            var loaded = SpecFiles.LoadProfile(path);
            if (loaded.Value is not { } hw) return loaded;
            // An interconnect the profile names must exist: a wrong name would silently leave the device without that link.
            var errors = new List<SpecError>();
            foreach (var (field, link) in new[] { ("intra_node", hw.Interconnects.IntraNode), ("inter_node", hw.Interconnects.InterNode), ("host", hw.Interconnects.Host) })
                if (link is not null && !_interconnectFiles.ContainsKey(link))
                    errors.Add(new SpecError(path, hw.FieldLines.GetValueOrDefault("interconnects." + field), "interconnects." + field,
                        $"unknown interconnect '{link}'.{NameMatcher.Suggest(link, _interconnectFiles.Keys)} (looked in {Path.Combine(HardwareDir, "interconnects")})"));
            return errors.Count == 0 ? loaded : new Loaded<HardwareProfile>(null, errors);
        });
    }

    /// <summary>An interconnect by name or path.</summary>
    public Interconnect Interconnect(string nameOrPath)
    {
        string path = Resolve(nameOrPath, _interconnectFiles, "interconnect");
        return Cached("ic", path, () => SpecFiles.LoadInterconnect(path));
    }

    /// <summary>
    /// A model by name or path (spec YAML or Hugging Face config.json). A file found by name must carry that name
    /// (<c>name:</c> equals the file name); a file given by path loads whatever it is called.
    /// </summary>
    public ModelSpec Model(string nameOrPath)
    {
        string path = Resolve(nameOrPath, _modelFiles, "model");
        bool byName = !LooksLikePath(nameOrPath);
        return Cached(byName ? "model" : "model-file", path, () => SpecFiles.LoadModel(path, requireNameMatch: byName));
    }

    /// <summary>Whether a name is a known cluster (or a cluster file path).</summary>
    public bool IsCluster(string nameOrPath) =>
        _clusterFiles.ContainsKey(nameOrPath.Trim()) || (LooksLikePath(nameOrPath) && nameOrPath.Replace('\\', '/').Contains("clusters/"));

    /// <summary>A cluster by name or path, with its device and links resolved.</summary>
    public ClusterSpec Cluster(string nameOrPath)
    {
        string path = Resolve(nameOrPath, _clusterFiles, "cluster");
        return Cached("cluster", path, () =>
        {
            var errors = new List<SpecError>();
            var text = SpecFiles.ReadText(path, errors);
            var reader = text is null ? null : YamlFieldReader.Open(path, text, errors);
            var f = reader is null ? null : HardwareReader.ReadCluster(reader, errors);
            if (f is null) return new Loaded<ClusterSpec>(null, errors);
            HardwareProfile? device = Try(() => Hardware(f.Device), path, "device", reader!.Line, errors);
            Interconnect? intra = f.IntraNode is null ? null : Try(() => Interconnect(f.IntraNode), path, "intra_node", reader!.Line, errors);
            Interconnect? inter = f.InterNode is null ? null : Try(() => Interconnect(f.InterNode), path, "inter_node", reader!.Line, errors);
            if (errors.Count > 0) return new Loaded<ClusterSpec>(null, errors);
            return new Loaded<ClusterSpec>(new ClusterSpec(f.Name, f.DisplayName, f.Source, device!, f.Nodes, f.DevicesPerNode, intra, inter) { FilePath = path }, errors);
        });
    }

    /// <summary>
    /// The cluster a device normally sits in: the first shipped cluster built from it, or a single node of
    /// <paramref name="devicesPerNode"/> devices on the profile's own intra-node link.
    /// </summary>
    public ClusterSpec DefaultCluster(HardwareProfile device, int devicesPerNode = 8)
    {
        foreach (var name in ClusterNames)
        {
            ClusterSpec c;
            try { c = Cluster(name); }
            catch (SpecException) { continue; }
            if (c.Device.Name == device.Name) return c;
        }
        Interconnect? Link(string? n) => n is not null && _interconnectFiles.ContainsKey(n) ? Interconnect(n) : null;
        var intra = Link(device.Interconnects.IntraNode);
        return new ClusterSpec($"{device.Name}-node", $"{device.DisplayName} node", device.Source, device, 1,
            intra is null ? 1 : devicesPerNode, intra, Link(device.Interconnects.InterNode));
    }

    private static T? Try<T>(Func<T> f, string file, string field, int line, List<SpecError> errors) where T : class
    {
        try { return f(); }
        catch (SpecException e)
        {
            errors.AddRange(e.Errors.Select(x => x with { File = file, Line = line, Field = field, Message = x.Message }));
            return null;
        }
    }

    /// <summary>Loads every file in the library and returns all problems (for a consistency check).</summary>
    public IReadOnlyList<SpecError> CheckAll()
    {
        var errors = new List<SpecError>();
        foreach (var n in HardwareNames) Collect(() => Hardware(n), errors);
        foreach (var n in InterconnectNames) Collect(() => Interconnect(n), errors);
        foreach (var n in ClusterNames) Collect(() => Cluster(n), errors);
        foreach (var n in ModelNames) Collect(() => Model(n), errors);
        foreach (var n in HardwareNames)
        {
            HardwareProfile? hw = null;
            try { hw = Hardware(n); } catch (SpecException) { }
            if (hw is null) continue;
            foreach (var link in new[] { hw.Interconnects.IntraNode, hw.Interconnects.InterNode, hw.Interconnects.Host })
                if (link is not null && !_interconnectFiles.ContainsKey(link))
                    errors.Add(new SpecError(hw.FilePath ?? n, 0, "interconnects", $"names interconnect '{link}', which is not in {Path.Combine(HardwareDir, "interconnects")}"));
        }
        return errors;
    }

    private static void Collect(Action load, List<SpecError> errors)
    {
        try { load(); }
        catch (SpecException e) { errors.AddRange(e.Errors); }
    }
}
