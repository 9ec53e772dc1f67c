using BenchmarkDotNet.Running;

// Run: dotnet run -c Release --project tests/Simulator.Benchmarks -- --filter '*'
// Serving scale (time and peak memory, one process per size): ... -- serving-scale 1000000
if (args.Length == 2 && args[0] == "serving-scale")
{
    Simulator.Benchmarks.ServingScale.Run(long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Simulator.Benchmarks.StepCostBenchmarks).Assembly).Run(args);
