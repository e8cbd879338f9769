using PopHealth.Features;

namespace PopHealth.Modeling;

/// <summary>Options of <see cref="CandidateSelection"/>.</summary>
/// <param name="MaxRows">Training respondents the cross-validation uses at most (a stratified subsample, as the sweeps).</param>
/// <param name="MinimumGain">Mean cross-validated AUC gain a candidate must bring to be kept: fold-to-fold noise on
/// 60,000 rows is about 0.002, a feature that adds nothing gains 0 ± that.</param>
/// <param name="Setting">The model both fits use; null: <see cref="ReferenceSetting"/>.</param>
public sealed record CandidateOptions(int MaxRows = 60_000, int Folds = 3, double MinimumGain = 0.001, ModelSpec? Setting = null)
{
    /// <summary>A LightGBM setting near what the sweeps choose on BRFSS (200 trees, 31 leaves, learning rate 0.05, minimum leaf 50).</summary>
    public static ModelSpec ReferenceSetting { get; } = new(TrainerKind.LightGbm, 200, 31, LearningRate: 0.05, MinLeaf: 50, Origin: "reference");
}

/// <summary>
/// Whether a candidate feature helps: the same setting cross-validated on the same folds of training respondents with and
/// without it; kept when the mean AUC gain reaches <see cref="CandidateOptions.MinimumGain"/>. Only training rows are
/// given to it, so the decision never sees a test respondent.
/// </summary>
public static class CandidateSelection
{
    public static CandidateDecision Decide(ModelMatrix data, IReadOnlyList<int> trainRows, string feature, int seed, CandidateOptions? options = null)
    {
        options ??= new CandidateOptions();
        if (!data.FeatureNames.Contains(feature))
            throw new ArgumentException($"'{feature}' is not a feature of the matrix ({string.Join(", ", data.FeatureNames)}).", nameof(feature));
        var rows = Splits.Subsample(trainRows, data.Labels, options.MaxRows, seed);
        var spec = options.Setting ?? CandidateOptions.ReferenceSetting;
        var setting = $"{spec.Trainer} {spec.Settings}, {options.Folds} stratified folds";
        // Every fold needs both classes for an AUC: with fewer respondents of a class than folds, nothing can be measured.
        var fairPoor = rows.Count(r => data.Labels[r]);
        if (Math.Min(fairPoor, rows.Length - fairPoor) < options.Folds)
            return new CandidateDecision(feature, false, 0, 0, [], rows.Length, options.MinimumGain, setting,
                $"{rows.Length:N0} training respondents ({fairPoor:N0} in fair or poor health) " +
                $"are too few to cross-validate it on {options.Folds} folds");
        var with = data.Subset(rows);
        var without = with.Without(feature);
        var all = Enumerable.Range(0, rows.Length).ToArray();
        // Same rows, labels and seed: the same stratified folds, so the fold AUCs pair up.
        var a = Sweeper.Run(with, all, [spec], seed, new SweepOptions(options.Folds)).Best;
        var b = Sweeper.Run(without, all, [spec], seed, new SweepOptions(options.Folds)).Best;
        var gains = a.FoldAuc.Zip(b.FoldAuc, (x, y) => x - y).ToArray();
        return new CandidateDecision(feature, a.MeanAuc - b.MeanAuc >= options.MinimumGain, a.MeanAuc, b.MeanAuc, gains, rows.Length,
            options.MinimumGain, setting);
    }
}
