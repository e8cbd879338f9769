namespace PopHealth.Population.SmallArea;

/// <summary>The logit shift that calibrates the unweighted fit to the weighted respondents, and its standard error.</summary>
public sealed record WeightShift(double Shift, double StandardError);

/// <summary>
/// Calibration of the model's level to the survey weights. Cells fitted without weights (the MRP convention) leave inside each
/// cell whatever the weights rake on that the cells do not carry (race/ethnicity, marital status, home tenure, phone type,
/// the age spread within a band): on the full 2016 sample, post-stratified unweighted cell means exceed the weighted state
/// estimates by 0.4–0.5 points on average. One logit shift δ, set so that the weighted residuals of every respondent (weights
/// normalised to mean 1 within each state, so each state counts by its sample as in the fit) sum to zero, removes that
/// average at little cost: its sampling error comes only from how the weights differ from 1.
/// </summary>
internal static class WeightCalibration
{
    /// <summary>δ solving Σ w̃ (y − σ(η + δ)) = 0 over the fitting cells (Newton), with a linearised standard error from the
    /// excess of the weighted over the unweighted score, Σ (w̃ − 1)² (y − μ)², since the unweighted score is zero at the fit.</summary>
    public static WeightShift Estimate(LogitDesign design, double[] eta)
    {
        var delta = 0.0;
        double slope = 0, score = 0;
        for (var iteration = 0; iteration < 50; iteration++)
        {
            (score, slope) = (0, 0);
            for (var c = 0; c < eta.Length; c++)
            {
                var cell = design.Cells[c];
                var mu = 1 / (1 + Math.Exp(-(eta[c] + delta)));
                score += cell.WeightedSuccesses - cell.WeightedTrials * mu;
                slope += cell.WeightedTrials * mu * (1 - mu);
            }
            if (!(slope > 0)) return new WeightShift(0, 0);
            var step = score / slope;
            delta += step;
            if (Math.Abs(step) < 1e-12) break;
        }
        var variance = 0.0;
        for (var c = 0; c < eta.Length; c++)
        {
            var cell = design.Cells[c];
            var mu = 1 / (1 + Math.Exp(-(eta[c] + delta)));
            variance += cell.ExcessSuccesses * (1 - mu) * (1 - mu) + cell.ExcessFailures * mu * mu;
        }
        return new WeightShift(delta, Math.Sqrt(variance) / slope);
    }

    /// <summary>Each respondent's weight over the mean weight of the state's respondents in the fit (1 when a weight is missing).</summary>
    public static double[] NormalisedWeights(IReadOnlyList<SmallAreaRespondent> respondents, IReadOnlyList<bool> inFit)
    {
        var totals = new Dictionary<int, (double Sum, int Count)>();
        for (var i = 0; i < respondents.Count; i++)
            if (inFit[i] && respondents[i].Weight is > 0 and var w)
            {
                var (sum, count) = totals.GetValueOrDefault(respondents[i].State);
                totals[respondents[i].State] = (sum + w, count + 1);
            }
        var normalised = new double[respondents.Count];
        for (var i = 0; i < normalised.Length; i++)
            normalised[i] = respondents[i].Weight is > 0 and var w && totals.TryGetValue(respondents[i].State, out var t) ? w * t.Count / t.Sum : 1;
        return normalised;
    }
}
