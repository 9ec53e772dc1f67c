using Simulator.Core.Statistics;

namespace Simulator.Core.Tests;

/// <summary>The one quantile (type 7) used by the simulator, validation summaries and charts.</summary>
public class QuantileTests
{
    [Theory]
    // numpy.quantile([1, 2, 3, 4], p) (linear, the default): 1, 1.3, 2.5, 3.7, 4.
    [InlineData(0.0, 1.0)]
    [InlineData(0.1, 1.3)]
    [InlineData(0.5, 2.5)]
    [InlineData(0.9, 3.7)]
    [InlineData(1.0, 4.0)]
    public void Type_7_interpolates_between_the_closest_ranks_as_numpy_does(double p, double expected)
    {
        Assert.Equal(expected, Quantile.OfSorted([1.0, 2, 3, 4], p), 12);
        Assert.Equal(expected, Quantile.Of([4.0, 1, 3, 2], p), 12);
    }

    [Fact]
    public void No_values_have_no_quantile() => Assert.True(double.IsNaN(Quantile.OfSorted([], 0.5)));
}
