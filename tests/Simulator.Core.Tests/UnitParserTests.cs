using Simulator.Core.Units;

namespace Simulator.Core.Tests;

public class UnitParserTests
{
    [Theory]
    // Decimal prefixes are powers of 1000, binary prefixes powers of 1024.
    [InlineData("80 GB", QuantityKind.Bytes, 80e9)]
    [InlineData("80 GiB", QuantityKind.Bytes, 80.0 * 1024 * 1024 * 1024)]
    [InlineData("50 MiB", QuantityKind.Bytes, 50.0 * 1024 * 1024)]
    [InlineData("1 TB", QuantityKind.Bytes, 1e12)]
    [InlineData("1 TiB", QuantityKind.Bytes, 1099511627776.0)]
    [InlineData("512 B", QuantityKind.Bytes, 512)]
    [InlineData("3.35 TB/s", QuantityKind.Bandwidth, 3.35e12)]
    [InlineData("1 GiB/s", QuantityKind.Bandwidth, 1073741824.0)]
    // 400 Gbit/s InfiniBand NDR = 50 GB/s.
    [InlineData("400 Gbit/s", QuantityKind.Bandwidth, 50e9)]
    [InlineData("989.4 TFLOP/s", QuantityKind.Throughput, 989.4e12)]
    [InlineData("1979 TOPS", QuantityKind.Throughput, 1979e12)]
    [InlineData("2.5 PFLOP/s", QuantityKind.Throughput, 2.5e15)]
    [InlineData("5 us", QuantityKind.Time, 5e-6)]
    [InlineData("250 ns", QuantityKind.Time, 250e-9)]
    [InlineData("1.5 ms", QuantityKind.Time, 1.5e-3)]
    [InlineData("700 W", QuantityKind.Power, 700)]
    [InlineData("1.2 kW", QuantityKind.Power, 1200)]
    [InlineData("30000 USD", QuantityKind.Money, 30000)]
    [InlineData("2.99 USD/h", QuantityKind.MoneyPerHour, 2.99)]
    [InlineData("1e3 GB", QuantityKind.Bytes, 1e12)]
    public void Parses_value_and_unit_into_SI(string text, QuantityKind kind, double expected)
    {
        Assert.True(UnitParser.TryParse(text, kind, out double v, out string error), error);
        Assert.Equal(expected, v, expected * 1e-12);
    }

    [Fact]
    public void Decimal_and_binary_gigabytes_differ_by_7_percent()
    {
        double gb = UnitParser.Parse("1 GB", QuantityKind.Bytes);
        double gib = UnitParser.Parse("1 GiB", QuantityKind.Bytes);
        Assert.Equal(1.073741824, gib / gb, 9);
    }

    [Theory]
    [InlineData("80", QuantityKind.Bytes, "no unit")]
    [InlineData("80 GB", QuantityKind.Bandwidth, "size in bytes")]
    [InlineData("3 TB/s", QuantityKind.Bytes, "bandwidth")]
    [InlineData("80 gb", QuantityKind.Bytes, "ambiguous")]
    [InlineData("80 furlongs", QuantityKind.Bytes, "unknown unit")]
    [InlineData("fast", QuantityKind.Bandwidth, "number with a unit")]
    [InlineData("", QuantityKind.Time, "empty")]
    [InlineData("16 GT/s", QuantityKind.Bandwidth, "transfers")]
    public void Rejects_bad_quantities_with_a_reason(string text, QuantityKind kind, string reason)
    {
        Assert.False(UnitParser.TryParse(text, kind, out _, out string error));
        Assert.Contains(reason, error);
    }
}
