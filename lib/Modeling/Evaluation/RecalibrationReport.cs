namespace PopHealth.Modeling;

/// <summary>
/// Stage 4c, recalibrate: the chosen model recalibrated in the large for the latest survey year, and the headline test
/// (that year's holdout) before and after. The trees are the same, so AUC is too; calibration is what moves.
/// </summary>
public sealed record RecalibrationReport(RecalibratedModel Recalibrated, TestReport Before, TestReport After)
{
    /// <summary>The headline test before and after, metric by metric.</summary>
    public IReadOnlyList<RecalibrationLine> Comparison() =>
    [
        new("AUC", Before.Auc, After.Auc), new("Brier score", Before.Brier, After.Brier),
        new("calibration in the large (mean predicted − observed)", Before.CalibrationInTheLarge, After.CalibrationInTheLarge),
        new("mean predicted risk", Before.Prevalence + Before.CalibrationInTheLarge, After.Prevalence + After.CalibrationInTheLarge),
        new("observed prevalence", Before.Prevalence, After.Prevalence),
        new("recall @chosen threshold", Before.AtChosen.Recall, After.AtChosen.Recall),
        new("precision @chosen threshold", Before.AtChosen.Precision, After.AtChosen.Precision),
    ];

    /// <summary>What was done, in one sentence.</summary>
    public string Summary => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"Intercept moved by {Recalibrated.InterceptShift:+0.0000;-0.0000} log-odds (odds × {Recalibrated.OddsFactor:F4}) " +
        $"so that the mean predicted risk of {Recalibrated.ShiftRows:N0} respondents of {Recalibrated.Target.Year} " +
        $"is {Recalibrated.Target.Prevalence:P2} ({Recalibrated.Target.Source}: {Recalibrated.Target.Sample}); " +
        $"on {After.TestSet.Split(',')[0]} calibration in the large {Before.CalibrationInTheLarge:+0.0000;-0.0000} " +
        $"→ {After.CalibrationInTheLarge:+0.0000;-0.0000}. " +
        $"The alias rule picks {(Recalibrated.Supported ? "the recalibrated version" : "the model as trained")}: {Recalibrated.Evidence}.");
}

/// <summary>One metric of the headline test, as trained and recalibrated.</summary>
public sealed record RecalibrationLine(string Metric, double AsTrained, double Recalibrated);
