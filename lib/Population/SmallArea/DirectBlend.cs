namespace PopHealth.Population.SmallArea;

/// <summary>A state's direct estimate, its respondents and the design effect of its weights.</summary>
internal sealed record DirectEstimate(double Estimate, long Respondents, double DesignEffect);

/// <summary>How one state's model draws are moved towards its direct estimate.</summary>
/// <param name="Discrepancy">Direct estimate minus the model's posterior mean (all adults).</param>
/// <param name="Weight">λ = τ² / (τ² + V_e): the share of the discrepancy believed.</param>
/// <param name="NoiseDeviation">√(λ V_e): the posterior spread of the believed discrepancy, added to every draw.</param>
internal sealed record StateBlend(double Discrepancy, double Weight, double NoiseDeviation)
{
    /// <summary>The logit offset that moves this draw's all-adult prevalence by λ·D + √(λ V_e)·z (Newton on the state's cells).</summary>
    public double Offset(double[] eta, IReadOnlyList<double> counts, double z)
    {
        double total = 0, current = 0;
        for (var c = 0; c < eta.Length; c++)
            if (counts[c] > 0) { total += counts[c]; current += counts[c] / (1 + Math.Exp(-eta[c])); }
        var target = Math.Clamp(current / total + Weight * Discrepancy + NoiseDeviation * z, 1e-6, 1 - 1e-6);
        var offset = 0.0;
        for (var iteration = 0; iteration < 20; iteration++)
        {
            double value = 0, slope = 0;
            for (var c = 0; c < eta.Length; c++)
            {
                if (counts[c] <= 0) continue;
                var mu = 1 / (1 + Math.Exp(-(eta[c] + offset)));
                value += counts[c] * mu;
                slope += counts[c] * mu * (1 - mu);
            }
            var step = (target - value / total) / (slope / total);
            offset += step;
            if (Math.Abs(step) < 1e-10) break;
        }
        return offset;
    }
}

/// <summary>
/// The blend of model and direct estimates for fully present states, a Fay–Herriot step on the model's discrepancy. The model
/// misses what its cells and covariates cannot see (within-cell composition the weights correct, misfit), so a state's true
/// prevalence is the model's plus a discrepancy b ~ N(0, τ²). The direct estimate measures that discrepancy with noise V_e =
/// V_direct − V_model (the part of the direct estimate's sampling error the model's posterior does not already carry; at least
/// a quarter of V_direct). V_direct is smoothed, deff·p(1−p)/n with p the model's estimate and deff Kish's for the state's
/// weights, because the linearised variance of a few hundred respondents spread over many strata is itself far too noisy
/// (strata with one respondent add nothing). τ² comes from the states by moments (Prasad–Rao: mean of D² − V_e), taken only as
/// far as the data show it (its estimate less two standard errors) and never below <see cref="SmallAreaOptions.MinimumDiscrepancy"/>:
/// with a few hundred respondents per state the moment estimate is mostly noise, while on the full 2016 sample (where the
/// direct estimates are precise) it is 0.38 points, in line with the 0.43-point spread across states of the within-cell
/// composition that unweighted cells cannot see (measured there too). Each state then
/// believes λ = τ²/(τ² + V_e) of its discrepancy and adds λ V_e to its variance: a large sample leans on its own data, a
/// small one on the model, and intervals widen by the discrepancy the data show.
/// </summary>
internal static class DirectBlend
{
    /// <summary>Blends per state index (null for states without a representative direct estimate) and τ².</summary>
    /// <param name="modelDraws">All-adult draws per state, [state × draws + draw].</param>
    /// <param name="direct">Per state index, its direct estimate (null when none or not representative).</param>
    /// <param name="minimum">τ's floor (prevalence scale).</param>
    public static (StateBlend?[] Blends, double Tau2) Estimate(double[] modelDraws, int draws, IReadOnlyList<DirectEstimate?> direct, double minimum)
    {
        var states = direct.Count;
        var parts = new (double D, double Ve)?[states];
        for (var s = 0; s < states; s++)
        {
            if (direct[s] is not { Respondents: > 1 } d) continue;
            var (mean, deviation) = SmallAreaModel.MeanAndDeviation(modelDraws.AsSpan(s * draws, draws));
            var vd = d.DesignEffect * mean * (1 - mean) / d.Respondents;
            parts[s] = (d.Estimate - mean, Math.Max(vd - deviation * deviation, vd / 4));
        }
        var used = parts.Where(x => x is not null).Select(x => x!.Value).ToArray();
        if (used.Length < 3) return (new StateBlend?[states], 0);
        var moment = used.Average(x => x.D * x.D - x.Ve);
        var error = Math.Sqrt(2 * used.Sum(x => Math.Pow(Math.Max(moment, 0) + x.Ve, 2))) / used.Length;
        var tau2 = Math.Max(minimum * minimum, moment - 2 * error);
        var blends = parts.Select(x => x is { } v && tau2 > 0
            ? new StateBlend(v.D, tau2 / (tau2 + v.Ve), Math.Sqrt(tau2 / (tau2 + v.Ve) * v.Ve)) : null).ToArray();
        return (blends, tau2);
    }
}
