namespace Simulator.Tests;

/// <summary>Finds the repository root (the folder holding Simulator.sln) from the test's output folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string HardwareDir => Path.Combine(Root, "hardware-profiles");
    public static string ModelsDir => Path.Combine(Root, "model-specs");
    public static string Fixtures => Path.Combine(Root, "tests", "fixtures");
    public static string EnginesDir => Path.Combine(Root, "engine-profiles");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Simulator.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Simulator.sln not found above " + AppContext.BaseDirectory);
    }
}
