using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Core.Tests;

/// <summary>
/// The 2025-26 profiles of issue 13 (hardware research drop, /work/research/hardware): they load, their peaks are the
/// sourced DENSE figures (datasheet sparse figures halved where the vendor prints sparse), and their prices are dated.
/// </summary>
public class FrontierHardwareTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    [Theory]
    // name, kind, fp4, fp8, bf16, int8 (NaN = not listed), memory GB, bandwidth TB/s, power W
    // B300 (HGX B300 page, per board / 8): FP4 108 PFLOPS dense; FP8 72, BF16 36 sparse / 2; INT8 307 TOPS sparse / 2; 270 GB, 7.7 TB/s; 1,100 W.
    [InlineData("b300-sxm", DeviceKind.Gpu, 13500, 4500, 2250, 153.5, 270, 7.7, 1100)]
    // GB200 NVL72 per GPU (Blackwell datasheet): FP4 20, FP8 10, BF16 5, INT8 10 sparse / 2; 186 GB, 8 TB/s; 1,200 W.
    [InlineData("gb200", DeviceKind.Gpu, 10000, 5000, 2500, 5000, 186, 8, 1200)]
    // GB300 NVL72 per GPU (Blackwell Ultra datasheet): FP4 15 dense; FP8 10, BF16 5 sparse / 2; INT8 330 TOPS sparse / 2; 279 GB, 8 TB/s; 1,400 W.
    [InlineData("gb300", DeviceKind.Gpu, 15000, 5000, 2500, 165, 279, 8, 1400)]
    // H20 (reproduced partner table): dense FP16 148, FP8 296, INT8 296; 96 GB, 4.0 TB/s; 400 W.
    [InlineData("h20", DeviceKind.Gpu, double.NaN, 296, 148, 296, 96, 4, 400)]
    // RTX PRO 6000 Blackwell Server Edition: 4 / 2 / 1 PFLOPS read as sparse, halved; 96 GB GDDR7, 1,597 GB/s; 600 W.
    [InlineData("rtx-pro-6000-blackwell", DeviceKind.Gpu, 2000, 1000, 500, double.NaN, 96, 1.597, 600)]
    // MI355X brochure "peak" column: MXFP4 10,066.3, FP8 5,033.2, BF16 2,516.6, INT8 5,033.2; 288 GB, 8 TB/s; 1,400 W.
    [InlineData("mi355x", DeviceKind.Gpu, 10066.3, 5033.2, 2516.6, 5033.2, 288, 8, 1400)]
    // TPU v6e (Cloud TPU docs): 918 TFLOP/s bf16, 1,836 TOPS int8; 32 GB, 1,638 GB/s; power an assumption.
    [InlineData("tpu-v6e", DeviceKind.Tpu, double.NaN, double.NaN, 918, 1836, 32, 1.638, 560)]
    // Trainium2 (AWS Neuron docs): FP8 1,299, BF16 667 dense; 96 GiB, 2.9 TB/s.
    [InlineData("trainium2", DeviceKind.Npu, double.NaN, 1299, 667, double.NaN, 96 * 1.073741824, 2.9, 500)]
    [InlineData("snapdragon-8-elite-hexagon", DeviceKind.Npu, double.NaN, double.NaN, double.NaN, 65, 16, 0.0848, 8)]
    [InlineData("ryzen-ai-xdna2", DeviceKind.Npu, double.NaN, double.NaN, double.NaN, 50, 32, 0.12, 28)]
    // Xeon 6980P at 2.0 GHz base: 128 cores x 1,024 BF16 / 2,048 INT8 AMX ops per cycle; MRDIMM-8800 12 x 8,800 MT/s x 8 B.
    [InlineData("xeon-6980p", DeviceKind.Cpu, double.NaN, double.NaN, 262.14, 524.29, 768, 0.8448, 500)]
    [InlineData("epyc-9965", DeviceKind.Cpu, double.NaN, double.NaN, 55.30, 110.59, 768, 0.6144, 500)]
    [InlineData("apple-m3-ultra", DeviceKind.Cpu, double.NaN, double.NaN, double.NaN, double.NaN, 512, 0.819, 480)]
    public void New_profiles_load_with_their_sourced_dense_peaks(string name, DeviceKind kind, double fp4T, double fp8T, double bf16T, double int8T, double memoryGb, double bandwidthTbs, double watts)
    {
        var h = Lib.Hardware(name);
        Assert.Equal(kind, h.Kind);
        void Peak(DataType t, double tera)
        {
            if (double.IsNaN(tera)) Assert.False(h.Supports(t), $"{name} should not list {t}");
            else Assert.Equal(tera * 1e12, h.PeakOpsPerSecond[t], tera * 1e9);
        }
        Peak(DataType.Fp4, fp4T);
        Peak(DataType.Fp8, fp8T);
        Peak(DataType.Bf16, bf16T);
        Peak(DataType.Int8, int8T);
        Assert.Equal(memoryGb * 1e9, h.MemoryCapacityBytes, memoryGb * 1e6);
        Assert.Equal(bandwidthTbs * 1e12, h.MemoryBandwidthBytesPerSecond, bandwidthTbs * 1e9);
        Assert.Equal(watts, h.PowerWatts);
        Assert.False(string.IsNullOrWhiteSpace(h.Source));
    }

    [Fact]
    public void B200_lists_its_fp4_peak()
    {
        // HGX B200: FP4 Tensor Core 144 PFLOPS with sparsity for 8 GPUs: 144 / 8 / 2 = 9 PFLOP/s dense per GPU.
        Assert.Equal(9000e12, Lib.Hardware("b200-sxm").PeakOpsPerSecond[DataType.Fp4], 1e9);
        Assert.False(Lib.Hardware("h100-sxm").Supports(DataType.Fp4));
    }

    [Theory]
    [InlineData("gb200-nvl72", "gb200", 72, "nvlink5-nvl72")]
    [InlineData("gb300-nvl72", "gb300", 72, "nvlink5-nvl72")]
    [InlineData("hgx-b300", "b300-sxm", 8, "nvlink5")]
    [InlineData("mi355x-8", "mi355x", 8, "infinity-fabric-mi355x")]
    [InlineData("tpu-v6e-8", "tpu-v6e", 8, "tpu-ici-v6e")]
    [InlineData("tpu-v6e-256", "tpu-v6e", 256, "tpu-ici-v6e")]
    [InlineData("trn2-16", "trainium2", 16, "neuronlink-v3")]
    public void Rack_scale_domains_are_one_node(string cluster, string device, int devices, string link)
    {
        // GB200/GB300 NVL72: 72 GPUs in one NVLink domain, 1.8 TB/s bidirectional = 900 GB/s per direction per GPU.
        var c = Lib.Cluster(cluster);
        Assert.Equal(device, c.Device.Name);
        Assert.Equal(1, c.Nodes);
        Assert.Equal(devices, c.DevicesPerNode);
        Assert.Equal(link, c.IntraNode!.Name);
        if (link == "nvlink5-nvl72") Assert.Equal(900e9, c.IntraNode.BandwidthBytesPerSecond, 1e6);
    }

    [Theory]
    [InlineData("b300-sxm", double.NaN, 7.89)]
    [InlineData("gb200", 41667, 10.50)]
    [InlineData("h20", 13500, double.NaN)]
    [InlineData("rtx-pro-6000-blackwell", 8565, 2.50)]
    [InlineData("tpu-v6e", double.NaN, 2.70)]
    [InlineData("trainium2", double.NaN, 2.235)]
    [InlineData("xeon-6980p", 12460, double.NaN)]
    [InlineData("epyc-9965", 14813, double.NaN)]
    [InlineData("apple-m3-ultra", 3999, double.NaN)]
    [InlineData("gb300", double.NaN, double.NaN)]
    [InlineData("mi355x", double.NaN, double.NaN)]
    public void Prices_are_dated_and_sourced(string name, double purchase, double hourly)
    {
        var p = Lib.Hardware(name).Price;
        Assert.Equal(purchase, p.PurchaseUsd, 1e-9);
        Assert.Equal(hourly, p.HourlyUsd, 1e-9);
        foreach (var q in new[] { p.Purchase, p.Hourly })
        {
            if (q is null) continue;
            Assert.NotEqual(PriceKind.Unstated, q.Kind);
            Assert.False(string.IsNullOrWhiteSpace(q.Date));
            Assert.False(string.IsNullOrWhiteSpace(q.Source));
        }
    }
}
