namespace PopHealth.Modeling;

/// <summary>
/// Recalibration in the large: a shift of the model's intercept (its log-odds) so that its mean predicted risk equals a
/// target year's prevalence, known or estimated from a labelled sample of that year. The trees are untouched, so the
/// ranking (AUC) is the same; the shift is a <see cref="PriorShift"/>, which every scorer (and the ONNX graph) applies.
/// </summary>
public static class Recalibration
{
    /// <summary>The log-odds shift δ with mean(σ(logit(p) + δ)) = <paramref name="prevalence"/> (bisection; exact to 1e-10).</summary>
    public static double InterceptShift(IReadOnlyList<double> probabilities, double prevalence)
    {
        if (probabilities.Count == 0) throw new ArgumentException("No probabilities to recalibrate.");
        if (prevalence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(prevalence), prevalence, "A prevalence strictly between 0 and 1 is needed.");
        var logits = probabilities.Select(p => Math.Log(Math.Clamp(p, 1e-12, 1 - 1e-12) / (1 - Math.Clamp(p, 1e-12, 1 - 1e-12)))).ToArray();
        double Mean(double delta) => logits.Average(l => 1 / (1 + Math.Exp(-(l + delta))));
        double low = -20, high = 20;
        while (high - low > 1e-10)
        {
            var mid = (low + high) / 2;
            if (Mean(mid) < prevalence) low = mid; else high = mid;
        }
        return (low + high) / 2;
    }

    /// <summary>The prior shift a model gets after its intercept moves by <paramref name="delta"/> (composed with any shift it already had).</summary>
    public static PriorShift Compose(PriorShift? existing, double delta)
    {
        var odds = Math.Exp(delta) * (existing is null ? 1 : existing.OddsFactor);
        // A shift from 50 % to p multiplies the odds by p / (1 − p): choose p for the combined factor.
        return new PriorShift(0.5, odds / (1 + odds));
    }
}
