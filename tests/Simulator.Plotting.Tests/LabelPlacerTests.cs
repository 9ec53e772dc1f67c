using ScottPlot;

namespace Simulator.Plotting.Tests;

/// <summary>The label placer keeps labels apart when there is room, and stays at the point when nothing is in the way.</summary>
public class LabelPlacerTests
{
    [Fact]
    public void Labels_of_one_crowded_point_never_overlap()
    {
        var placer = new LabelPlacer(0, 10, 0, 10);
        var boxes = new List<LabelPlacer.Box>();
        for (int i = 0; i < 12; i++)
            boxes.Add(placer.Place($"operator_{i}", 5, 5, 10, LabelPlacer.AroundPoint(7, LabelPlacer.TextHeight(10), 6)).Box);
        for (int i = 0; i < boxes.Count; i++)
            for (int j = i + 1; j < boxes.Count; j++)
                Assert.False(boxes[i].Overlaps(boxes[j]), $"labels {i} and {j} overlap");
    }

    [Fact]
    public void A_label_with_room_stays_right_of_its_point_without_a_leader()
    {
        var placer = new LabelPlacer(0, 10, 0, 10);
        var p = placer.Place("alone", 5, 5, 10, LabelPlacer.AroundPoint(7, LabelPlacer.TextHeight(10), 6));
        Assert.False(p.Displaced);
        Assert.Equal(Alignment.MiddleLeft, p.Alignment);
        Assert.True(p.X > 5);
        Assert.Equal(5, p.Y, 9);
    }

    [Fact]
    public void A_label_avoids_an_obstacle_when_it_can()
    {
        var placer = new LabelPlacer(0, 10, 0, 10);
        var (px, py) = placer.ToPixel(5, 5);
        placer.AddObstacle(new LabelPlacer.Box(px, py - 20, px + 200, py + 20));
        var p = placer.Place("label", 5, 5, 10, LabelPlacer.AroundPoint(7, LabelPlacer.TextHeight(10), 6));
        Assert.Equal(Alignment.MiddleRight, p.Alignment);
    }
}
