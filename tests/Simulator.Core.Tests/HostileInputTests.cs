using System.Diagnostics;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Core.Units;
using Simulator.Tests;

namespace Simulator.Core.Tests;

/// <summary>
/// Hostile spec files end in a message naming the file and line, quickly, without crashing the process; and prices
/// carry their provenance. Each case failed before the "Trustworthy answers" issue.
/// </summary>
public class HostileInputTests
{
    private static string Temp(string name, string text)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"hostile-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Yaml_nested_a_hundred_thousand_levels_deep_is_an_error_not_a_stack_overflow()
    {
        // 200 kB: "a: " then 100,000 opening brackets (a stack overflow inside YamlDotNet kills the process, so this test
        // failing means the test host dies).
        string text = "name: x\npeak: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        var loaded = SpecFiles.LoadProfile(Temp("deep.yaml", text));
        var e = Assert.Single(loaded.Errors);
        Assert.Equal(2, e.Line);
        Assert.Contains("nested more than 64 levels", e.Message);
    }

    [Fact]
    public void Nesting_within_the_limit_still_loads_as_yaml()
    {
        string text = "name: x\nnotes: " + new string('[', 60) + new string(']', 60) + "\n";
        var errors = new List<SpecError>();
        Assert.NotNull(YamlFieldReader.Open("ok.yaml", text, errors));
        Assert.Empty(errors);
    }

    [Fact]
    public void A_tab_is_reported_on_its_own_line()
    {
        string text = "name: x\ndisplay_name: X\nkind: gpu\nvendor: V\n\tsource: s\npeak: {bf16: 1 TFLOP/s}\n";
        var loaded = SpecFiles.LoadProfile(Temp("tab.yaml", text));
        var e = Assert.Single(loaded.Errors);
        Assert.Equal(5, e.Line);
        Assert.Contains("tab", e.Message);
    }

    [Fact]
    public void Hundreds_of_thousands_of_unknown_fields_give_a_capped_list_quickly()
    {
        var sb = new System.Text.StringBuilder(File.ReadAllText(Path.Combine(RepoPaths.HardwareDir, "gpu", "h100-sxm.yaml")));
        sb.Append('\n');
        for (int i = 0; i < 300_000; i++) sb.Append("junk").Append(i).Append(": 1\n");
        string path = Temp("h100-sxm.yaml", sb.ToString());
        var clock = Stopwatch.StartNew();
        var loaded = SpecFiles.LoadProfile(path);
        clock.Stop();
        Assert.False(loaded.Ok);
        Assert.Equal(YamlFieldReader.MaxUnknownReported + 1, loaded.Errors.Count);
        Assert.Contains("more unknown fields (300,000 in all)", loaded.Errors[^1].Message);
    }

    [Fact]
    public void A_spec_file_over_the_size_limit_is_refused_before_parsing()
    {
        string path = Temp("big.yaml", "name: x\nnotes: " + new string('x', (int)SpecFiles.MaxSpecBytes) + "\n");
        var loaded = SpecFiles.LoadProfile(path);
        var e = Assert.Single(loaded.Errors);
        Assert.Contains("a spec file is at most", e.Message);
    }

    [Theory]
    [InlineData("200", QuantityKind.Time, "'200' has no unit; write '200 ms' or '0.2 s'")]
    [InlineData("700", QuantityKind.Power, "'700' has no unit; write '700 W' or '0.7 kW'")]
    [InlineData("2.5", QuantityKind.MoneyPerHour, "'2.5' has no unit; write '2.5 USD/h'")]
    [InlineData("0.09", QuantityKind.EnergyPrice, "'0.09' has no unit; write '0.09 USD/kWh'")]
    public void A_bare_number_names_the_unit_it_needs(string text, QuantityKind kind, string message)
    {
        Assert.False(UnitParser.TryParse(text, kind, out _, out string error));
        Assert.StartsWith(message, error);
    }

    [Theory]
    [InlineData("3 years", 3 * 365.25 * 86400)]
    [InlineData("36 months", 3 * 365.25 * 86400)]
    [InlineData("2 weeks", 14 * 86400)]
    [InlineData("0.09 USD/kWh", 0.09)]
    public void Long_periods_and_energy_prices_parse(string text, double expected)
    {
        var kind = text.Contains("USD") ? QuantityKind.EnergyPrice : QuantityKind.Time;
        Assert.Equal(expected, UnitParser.Parse(text, kind), 6);
    }

    [Fact]
    public void A_price_with_provenance_loads_and_a_bad_kind_or_date_names_the_field()
    {
        string good = File.ReadAllText(Path.Combine(RepoPaths.HardwareDir, "gpu", "h100-sxm.yaml"));
        var loaded = SpecFiles.LoadProfile(Temp("h100-sxm.yaml", good));
        Assert.True(loaded.Ok, string.Join("; ", loaded.Errors));
        var q = loaded.Value!.Price.Purchase!;
        Assert.Equal(PriceKind.Street, q.Kind);
        Assert.Equal("2023-08", q.Date);
        Assert.Contains("Raymond James", q.Source);
        var bad = SpecFiles.LoadProfile(Temp("h100-sxm.yaml", good.Replace("kind: street", "kind: rumour").Replace("date: 2026-09-20", "date: last year")));
        Assert.Contains(bad.Errors, e => e.Field == "price.purchase.kind" && e.Message.Contains("list, street or assumption"));
        Assert.Contains(bad.Errors, e => e.Field == "price.hourly.date" && e.Message.Contains("2025-01"));
    }

    [Fact]
    public void Every_shipped_price_states_its_kind_date_and_source()
    {
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        int priced = 0;
        foreach (var name in lib.HardwareNames)
        {
            var p = lib.Hardware(name).Price;
            foreach (var q in new[] { p.Purchase, p.Hourly })
            {
                if (q is null) continue;
                priced++;
                Assert.NotEqual(PriceKind.Unstated, q.Kind);
                Assert.False(string.IsNullOrWhiteSpace(q.Date), name);
                Assert.False(string.IsNullOrWhiteSpace(q.Source), name);
            }
        }
        // 23 devices: 17 hourly and 14 purchase figures found in public sources (the rest say so in their files).
        Assert.True(priced >= 30, $"{priced} price figures");
        foreach (var gpu in new[] { "h100-sxm", "a100-80gb-sxm", "b200-sxm", "mi300x", "l40s", "l4" })
            Assert.False(double.IsNaN(lib.Hardware(gpu).Price.PurchaseUsd), gpu);
    }

    [Fact]
    public void Memory_keeps_the_capacity_as_the_datasheet_writes_it()
    {
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        Assert.Equal("80 GB", lib.Hardware("h100-sxm").MainMemory.CapacityText);
        Assert.Equal(80e9, lib.Hardware("h100-sxm").MemoryCapacityBytes);
    }
}
