using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;
using Simulator.Tests;

namespace Simulator.Serving.Tests;

/// <summary>Deployments and clusters from the shipped library, shared by the tests.</summary>
internal static class Setups
{
    public static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    public static Deployment Deploy(string model = "llama-3.1-8b", string hardware = "h100-sxm", int tp = 1, string quant = "bf16", int pp = 1)
    {
        var device = Lib.Hardware(hardware);
        return Deployment.Create(Lib.Model(model), device, QuantizationScheme.Parse(quant), new Parallelism(tp, pp), Lib.DefaultCluster(device));
    }

    public static ReplicaConfig Replica(SchedulerKind scheduler = SchedulerKind.Continuous, string model = "llama-3.1-8b", string hardware = "h100-sxm", int tp = 1, int pp = 1) =>
        new(Deploy(model, hardware, tp, pp: pp)) { Scheduler = scheduler, HostLink = HostLink(hardware) };

    public static Interconnect? HostLink(string hardware) => Lib.Hardware(hardware).Interconnects.Host is { } h ? Lib.Interconnect(h) : null;

    public static ClusterConfig Cluster(ReplicaConfig replica, int replicas = 1, RouterKind router = RouterKind.RoundRobin) =>
        new(new PoolConfig(replica, replicas)) { Router = router };

    public static WorkloadSpec Fixed(int input, int output, ArrivalProcess arrivals, Slo? slo = null) =>
        new("fixed", [new RequestClass("fixed", 1, new FixedLength(input), new FixedLength(output), slo ?? Slo.None)], arrivals);
}

/// <summary>Keeps every record (tests only; the simulator itself keeps none).</summary>
internal sealed class RecordList : IRequestSink
{
    public List<RequestRecord> Records { get; } = [];
    public void OnRequest(in RequestRecord record) => Records.Add(record);
}
