using System.Runtime.CompilerServices;

// The ranking rules are tested directly (tie-breaks that real plans rarely reach).
[assembly: InternalsVisibleTo("Simulator.Planner.Tests")]
