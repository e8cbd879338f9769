namespace PopHealth.Modeling;

/// <summary>Where a recalibration's target prevalence comes from, for the record (the registered version's tags).</summary>
/// <param name="Source"><see cref="LabelledSample"/> or <see cref="KnownPrevalence"/>.</param>
/// <param name="SampleRows">Labelled respondents the prevalence was estimated from (0 for a known prevalence).</param>
/// <param name="Seed">The seed that drew the sample (null for a known prevalence).</param>
/// <param name="Sample">Which respondents, in words.</param>
public sealed record RecalibrationTarget(int Year, double Prevalence, string Source, int SampleRows, int? Seed, string Sample)
{
    public const string LabelledSample = "labelled sample";
    public const string KnownPrevalence = "known prevalence";

    /// <summary>The prevalence of a labelled sample of year <paramref name="year"/>.</summary>
    public static RecalibrationTarget FromLabelledSample(int year, IReadOnlyList<bool> labels, int seed, string sample) =>
        labels.Count == 0 ? throw new ArgumentException("An empty labelled sample cannot give a prevalence.", nameof(labels))
            : new(year, labels.Count(l => l) / (double)labels.Count, LabelledSample, labels.Count, seed, sample);

    /// <summary>A prevalence known from elsewhere (e.g. CDC's published figure for the year).</summary>
    public static RecalibrationTarget Known(int year, double prevalence, string sample) =>
        prevalence is <= 0 or >= 1
            ? throw new ArgumentOutOfRangeException(nameof(prevalence), prevalence, "A prevalence strictly between 0 and 1 is needed.")
            : new(year, prevalence, KnownPrevalence, 0, null, sample);
}

/// <summary>A model recalibrated in the large: the same trees with its intercept moved by <see cref="InterceptShift"/>.</summary>
/// <param name="ShiftRows">Respondents of the target year whose mean predicted risk was set to the target prevalence (features only).</param>
/// <param name="MeanPredictedBefore">The model's mean predicted risk on those respondents before the shift.</param>
public sealed record RecalibratedModel(TrainedModel Model, RecalibrationTarget Target, double InterceptShift, int ShiftRows,
    double MeanPredictedBefore)
{
    /// <summary>What the recalibration multiplies the model's odds by: exp(δ).</summary>
    public double OddsFactor => Math.Exp(InterceptShift);

    /// <summary>The half-width of the target's 95 % sampling interval: 1.96·√(p(1−p)/n) for a labelled sample, 0 for a known prevalence.</summary>
    public double TargetMargin => Target.Source == RecalibrationTarget.KnownPrevalence ? 0
        : 1.959964 * Math.Sqrt(Target.Prevalence * (1 - Target.Prevalence) / Target.SampleRows);

    /// <summary>
    /// Whether the target says the model's level is off for that year: the gap between the target prevalence and the model's mean
    /// prediction exceeds the target's sampling error. When it does not, the shift only moves the level within that error (a small
    /// sample can make calibration worse), so the model as trained is as good a guess.
    /// </summary>
    public bool Supported => Math.Abs(Target.Prevalence - MeanPredictedBefore) > TargetMargin;

    /// <summary>The rule's reading, in one sentence.</summary>
    public string Evidence => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"the {Target.Source}'s prevalence {Target.Prevalence:P2} is {(Target.Prevalence - MeanPredictedBefore) * 100:+0.00;-0.00} points " +
        $"from the model's mean prediction {MeanPredictedBefore:P2} on the same respondents, {(Supported ? "beyond" : "within")} its 95 % sampling " +
        $"error (±{TargetMargin * 100:0.00} points)");
}

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
        if (prevalence is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(prevalence), prevalence, "A prevalence strictly between 0 and 1 is needed.");
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

    /// <summary>
    /// <paramref name="model"/> with its intercept moved so that its mean predicted risk over <paramref name="rows"/> (respondents of the
    /// target year) equals the target prevalence; the threshold (on population-level probabilities) is kept, and the target
    /// prevalence becomes the model's reference prevalence (drift checks compare predictions with it).
    /// </summary>
    public static RecalibratedModel Recalibrate(TrainedModel model, IReadOnlyList<float[]> rows, RecalibrationTarget target)
    {
        var probabilities = model.Probabilities(rows);
        var delta = InterceptShift(probabilities, target.Prevalence);
        return new RecalibratedModel(model.WithPriorShift(Compose(model.PriorShift, delta), model.Threshold, target.Prevalence), target, delta,
            rows.Count, probabilities.Average());
    }

    /// <summary>
    /// The prior shift a model gets after its intercept moves by <paramref name="delta"/> (composed with any shift it
    /// already had).
    /// </summary>
    public static PriorShift Compose(PriorShift? existing, double delta)
    {
        var odds = Math.Exp(delta) * (existing is null ? 1 : existing.OddsFactor);
        // A shift from 50 % to p multiplies the odds by p / (1 − p): choose p for the combined factor.
        return new PriorShift(0.5, odds / (1 + odds));
    }
}
