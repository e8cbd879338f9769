using System.Globalization;
using PopHealth.Modeling;

namespace PopHealth.Scoring;

/// <summary>
/// How a scored input compares with the model's training data: each feature's population stability index against
/// the training bins stored with the model (flagged at 0.1 and 0.25), the predicted prevalence against the training
/// prevalence and, when the input carries the target, the observed prevalence and AUC.
/// </summary>
public sealed record DriftReport(IReadOnlyList<FeatureDrift> Features, double? TrainingPrevalence, double PredictedPrevalence,
    double? ObservedPrevalence, double? Auc)
{
    /// <summary>Features at or above the moderate-shift threshold, largest first.</summary>
    public IReadOnlyList<FeatureDrift> Shifted =>
        Features.Where(f => f.StabilityIndex >= FeatureDrift.Moderate).OrderByDescending(f => f.StabilityIndex).ToArray();

    public IReadOnlyList<KeyValuePair<string, string>> Describe() =>
    [
        new("training prevalence (population level)",
            TrainingPrevalence is { } t ? t.ToString("P1", CultureInfo.InvariantCulture) : "(not recorded with this model)"),
        new("predicted prevalence of the scored rows",
            double.IsNaN(PredictedPrevalence) ? "(no row was scored)" : PredictedPrevalence.ToString("P1", CultureInfo.InvariantCulture)),
        new("observed prevalence (rows with a known target)",
            ObservedPrevalence is { } o ? o.ToString("P1", CultureInfo.InvariantCulture) : "(the input has no target)"),
        new("AUC on rows with a known target", Auc is { } a ? a.ToString("F4", CultureInfo.InvariantCulture) : "(the input has no target)"),
        new("features with a moderate shift (PSI ≥ 0.1)", Features.Count(f => f.Reading == "moderate shift").ToString(CultureInfo.InvariantCulture)),
        new("features with a major shift (PSI ≥ 0.25)", Features.Count(f => f.Reading == "major shift").ToString(CultureInfo.InvariantCulture)),
    ];

    /// <summary>
    /// The drift of <paramref name="features"/> (input columns by model feature, null = unknown) against <paramref name="signature"/>;
    /// prevalences from the scored <paramref name="probabilities"/> (null where a row was not scored) and the optional target.
    /// </summary>
    public static DriftReport Measure(ModelSignature signature, IReadOnlyDictionary<string, double?[]> features, IReadOnlyList<double?> probabilities,
        IReadOnlyList<double?>? target, double threshold)
    {
        var drift = signature.Features.Select(name =>
        {
            var bins = signature.Domains?.FirstOrDefault(d => d.Feature == name)?.Bins;
            var psi = bins is null || !features.TryGetValue(name, out var values) ? double.NaN : bins.StabilityIndex(values);
            return new FeatureDrift(name, Math.Round(psi, 4), FeatureDrift.Read(psi));
        }).ToArray();
        var scored = probabilities.Where(p => p is not null).Select(p => p!.Value).ToArray();
        var predicted = scored.Length == 0 ? double.NaN : scored.Average();
        double? observed = null, auc = null;
        if (target is not null)
        {
            var rows = Enumerable.Range(0, probabilities.Count).Where(i => probabilities[i] is not null && target[i] is 0 or 1).ToArray();
            if (rows.Length > 0)
            {
                observed = rows.Average(i => target[i]!.Value);
                if (observed is > 0 and < 1)
                    auc = Workbook.Statistics.Auc(rows.Select(i => probabilities[i]!.Value).ToArray(), rows.Select(i => target[i] == 1).ToArray());
            }
        }
        return new DriftReport(drift, signature.Prevalence, predicted, observed, auc);
    }
}
