using System.Globalization;

namespace Simulator.Serving;

/// <summary>
/// How many draft tokens the target model accepts in a speculative-decoding step. <see cref="Rates"/>[i] is the chance
/// that draft token i + 1 is accepted given that every draft before it was (Leviathan et al., "Fast Inference from
/// Transformers via Speculative Decoding", ICML 2023, section 3.5, with α the same at every position); positions past
/// the list use its last rate. The step emits the accepted drafts plus one token from the target (the correction, or a
/// bonus token when all k were accepted): between 1 and k + 1 tokens.
/// </summary>
public sealed record AcceptanceModel
{
    /// <summary>Conditional acceptance per draft position, each in [0, 1).</summary>
    public IReadOnlyList<double> Rates { get; }

    /// <summary>A model with the given per-position rates (at least one, each from 0 to below 1).</summary>
    public AcceptanceModel(IReadOnlyList<double> rates)
    {
        if (rates.Count == 0) throw new ArgumentException("an acceptance model needs at least one rate");
        foreach (var a in rates)
            if (!(a >= 0 && a < 1)) throw new ArgumentOutOfRangeException(nameof(rates), $"an acceptance rate must be from 0 to below 1, not {a.ToString(CultureInfo.InvariantCulture)}");
        Rates = rates.ToArray();
    }

    /// <summary>The same rate α at every position.</summary>
    public static AcceptanceModel Constant(double alpha) => new([alpha]);

    /// <summary>The conditional acceptance of draft position <paramref name="position"/> (0-based).</summary>
    public double Rate(int position) => Rates[Math.Min(position, Rates.Count - 1)];

    /// <summary>
    /// Expected tokens a step with <paramref name="k"/> drafts emits: 1 + Σᵢ₌₁..ₖ Πⱼ₌₁..ᵢ pⱼ; for a constant α this is
    /// (1 − α^(k+1)) / (1 − α) (Leviathan et al. 2023, equation 1).
    /// </summary>
    public double ExpectedTokens(int k)
    {
        double sum = 1, run = 1;
        for (int i = 0; i < k; i++)
        {
            run *= Rate(i);
            sum += run;
        }
        return sum;
    }

    /// <summary>Tokens one step with <paramref name="k"/> drafts emits, drawn from <paramref name="rng"/>: 1 + accepted drafts.</summary>
    public int Sample(Random rng, int k)
    {
        int accepted = 0;
        while (accepted < k && rng.NextDouble() < Rate(accepted)) accepted++;
        return accepted + 1;
    }

    /// <summary>Such as "0.7" or "[0.9, 0.8, 0.6]".</summary>
    public string Describe() => Rates.Count == 1
        ? Rates[0].ToString("0.###", CultureInfo.InvariantCulture)
        : "[" + string.Join(", ", Rates.Select(r => r.ToString("0.###", CultureInfo.InvariantCulture))) + "]";

    /// <inheritdoc/>
    public bool Equals(AcceptanceModel? other) => other is not null && Rates.SequenceEqual(other.Rates);

    /// <inheritdoc/>
    public override int GetHashCode() => Rates.Aggregate(17, (h, r) => h * 31 + r.GetHashCode());
}
