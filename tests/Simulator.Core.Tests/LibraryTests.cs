using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Core.Tests;

/// <summary>The shipped library loads without a single error, and is as wide as promised.</summary>
public class LibraryTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    [Fact]
    public void Every_shipped_file_loads_cleanly()
    {
        var errors = Lib.CheckAll();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void Library_has_the_promised_breadth()
    {
        var kinds = Lib.HardwareNames.Select(n => Lib.Hardware(n).Kind).ToList();
        Assert.True(kinds.Count(k => k == DeviceKind.Gpu) >= 10);
        Assert.True(kinds.Count(k => k == DeviceKind.Fpga) >= 2);
        Assert.True(kinds.Count(k => k == DeviceKind.Npu) >= 2);
        Assert.True(kinds.Count(k => k == DeviceKind.Cpu) >= 3);
        Assert.True(Lib.ModelNames.Count >= 15);
        Assert.True(Lib.ClusterNames.Count >= 6);
    }

    [Fact]
    public void Every_file_names_its_source()
    {
        foreach (var n in Lib.HardwareNames) Assert.False(string.IsNullOrWhiteSpace(Lib.Hardware(n).Source), n);
        foreach (var n in Lib.ModelNames) Assert.False(string.IsNullOrWhiteSpace(Lib.Model(n).Source), n);
    }

    [Fact]
    public void Names_match_case_insensitively()
    {
        Assert.Equal("h100-sxm", Lib.Hardware("H100-SXM").Name);
        Assert.Equal("llama-3.1-8b", Lib.Model("Llama-3.1-8B").Name);
    }

    [Fact]
    public void H100_figures_match_the_datasheet()
    {
        // NVIDIA H100 SXM datasheet: 80 GB HBM3 at 3.35 TB/s; 1,979 TFLOP/s bf16 with sparsity = 989 dense; 700 W.
        var h = Lib.Hardware("h100-sxm");
        Assert.Equal(80e9, h.MemoryCapacityBytes, 1e6);
        Assert.Equal(3.35e12, h.MemoryBandwidthBytesPerSecond, 1e9);
        Assert.InRange(h.PeakOpsPerSecond[DataType.Bf16], 989e12, 990e12);
        Assert.Equal(700, h.PowerWatts);
        Assert.False(Lib.Hardware("a100-80gb-sxm").Supports(DataType.Fp8)); // Ampere has no fp8
    }

    [Fact]
    public void Clusters_resolve_their_devices_and_links()
    {
        var c = Lib.Cluster("hgx-h100");
        Assert.Equal("h100-sxm", c.Device.Name);
        Assert.Equal(8, c.TotalDevices);
        Assert.NotNull(c.IntraNode);
    }
}
