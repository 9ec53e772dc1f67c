namespace Simulator.Serving;

/// <summary>
/// Something that happens at a point of simulated time. Events handle themselves (Vidur style): <see cref="Fire"/>
/// changes the state of the entity that owns the event and may schedule further events. An event object may be
/// scheduled again once it has fired, so entities that have at most one pending event of a kind reuse one object.
/// </summary>
public abstract class Event
{
    /// <summary>When the event fires (seconds of simulated time); set by <see cref="Simulation.Schedule"/>.</summary>
    public double Time { get; internal set; }

    /// <summary>Insertion sequence number: breaks ties between events at the same time (first scheduled, first fired).</summary>
    public long Sequence { get; internal set; }

    /// <summary>Whether the event is waiting in the queue.</summary>
    public bool Pending { get; internal set; }

    /// <summary>Does what the event stands for; <see cref="Simulation.Now"/> equals <see cref="Time"/>.</summary>
    public abstract void Fire(Simulation sim);
}

/// <summary>An event that runs a delegate; for rare events where a dedicated class is not worth it.</summary>
public sealed class ActionEvent(Action<Simulation> action) : Event
{
    public override void Fire(Simulation sim) => action(sim);
}
