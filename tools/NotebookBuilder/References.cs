using System.Xml.Linq;

namespace NotebookBuilder;

/// <summary>
/// What a notebook's setup cell must load in the .NET Interactive kernel in place of the program's
/// <c>#:project</c> directives: every NuGet package the referenced projects use (versions from
/// Directory.Packages.props) and the projects' built assemblies, dependencies first.
/// </summary>
public sealed record References(IReadOnlyList<(string Id, string Version)> Packages, IReadOnlyList<string> ProjectPaths)
{
    /// <summary>Configuration and framework whose build output the notebook references.</summary>
    public const string OutputFolder = "bin/Debug/net10.0";

    /// <summary>
    /// Resolves the closure of <paramref name="projects"/> (paths relative to <paramref name="notebookDir"/>) under
    /// <paramref name="root"/>. Project paths come back relative to the notebook's folder, with forward slashes.
    /// </summary>
    public static References Resolve(string root, string notebookDir, IEnumerable<string> projects)
    {
        var versions = PackageVersions(root);
        var order = new List<string>();
        var packages = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        void Visit(string path)
        {
            path = Path.GetFullPath(path);
            if (order.Contains(path) || !visiting.Add(path)) return;
            if (!File.Exists(path)) throw new FileNotFoundException($"project not found: {path}");
            var xml = XDocument.Load(path);
            foreach (var r in xml.Descendants("ProjectReference"))
                Visit(Path.Combine(Path.GetDirectoryName(path)!, (string)r.Attribute("Include")!));
            foreach (var r in xml.Descendants("PackageReference"))
            {
                string id = (string)r.Attribute("Include")!;
                string? version = (string?)r.Attribute("Version") ?? (versions.TryGetValue(id, out var v) ? v : null);
                packages[id] = version ?? throw new InvalidOperationException($"{path}: no version for package {id} in Directory.Packages.props");
            }
            order.Add(path);
        }
        foreach (var p in projects) Visit(Path.Combine(notebookDir, p));
        return new References(packages.Select(kv => (kv.Key, kv.Value)).ToList(),
            order.Select(p => Path.GetRelativePath(notebookDir, p).Replace('\\', '/')).ToList());
    }

    /// <summary>The <c>#r</c> lines for the .NET Interactive kernel.</summary>
    public IEnumerable<string> Directives()
    {
        foreach (var (id, version) in Packages) yield return $"#r \"nuget: {id}, {version}\"";
        foreach (var project in ProjectPaths)
        {
            string dir = project[..(project.LastIndexOf('/') + 1)];
            string name = Path.GetFileNameWithoutExtension(project);
            yield return $"#r \"{dir}{OutputFolder}/{name}.dll\"";
        }
    }

    private static Dictionary<string, string> PackageVersions(string root)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string file = Path.Combine(root, "Directory.Packages.props");
        if (!File.Exists(file)) return map;
        foreach (var e in XDocument.Load(file).Descendants("PackageVersion"))
            map[(string)e.Attribute("Include")!] = (string)e.Attribute("Version")!;
        return map;
    }
}
