using BenchmarkDotNet.Running;

// Run: dotnet run -c Release --project tests/Simulator.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Simulator.Benchmarks.StepCostBenchmarks).Assembly).Run(args);
