namespace Simulator.Core.Units;

/// <summary>The physical kind of a quantity written with a unit in a spec file.</summary>
public enum QuantityKind
{
    /// <summary>Bytes: B, kB, MB, GB, TB, KiB, MiB, GiB, TiB.</summary>
    Bytes,
    /// <summary>Bytes per second: GB/s, TB/s, GiB/s, Gbit/s, ...</summary>
    Bandwidth,
    /// <summary>Operations per second: GFLOP/s, TFLOP/s, PFLOP/s, TOPS.</summary>
    Throughput,
    /// <summary>Seconds: ns, us, ms, s, min, h.</summary>
    Time,
    /// <summary>Watts: W, kW.</summary>
    Power,
    /// <summary>US dollars: USD.</summary>
    Money,
    /// <summary>US dollars per hour: USD/h.</summary>
    MoneyPerHour,
    /// <summary>US dollars per kilowatt-hour of energy: USD/kWh (kept in USD/kWh, as tariffs state it).</summary>
    EnergyPrice,
    /// <summary>US dollars per kilowatt of provisioned power per month: USD/kW/month (colocation pricing).</summary>
    HostingPrice,
}
