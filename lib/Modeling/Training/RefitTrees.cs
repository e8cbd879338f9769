using PopHealth.Workbook;

namespace PopHealth.Modeling;

/// <summary>What <see cref="RefitTrees.Choose"/> measured: AUC on held-out training rows at each tree count, and the count chosen.</summary>
/// <param name="SweptTrees">The trees of the setting the sweep chose.</param>
/// <param name="Trees">The trees the refit on all training rows uses: the count with the best held-out AUC (the smaller on a tie).</param>
/// <param name="Curve">Held-out AUC by tree count.</param>
public sealed record RefitTreesChoice(int SweptTrees, int Trees, IReadOnlyList<(int Trees, double Auc)> Curve, int FitRows, int HeldOutRows)
{
    public string Describe() =>
        $"refit with {Trees} trees (the sweep's setting has {SweptTrees}): AUC on {HeldOutRows:N0} held-out training rows, " +
        $"fitted on {FitRows:N0}, by trees: " +
        string.Join(", ", Curve.Select(c => $"{c.Trees} {c.Auc:F4}"));
}

/// <summary>
/// The number of trees for refitting a boosted setting on many more rows than it was chosen on. The sweep chooses a
/// setting on a sample (on the national years, 360,000 of 1.2 million rows), and a boosted model fitted on several times
/// the rows supports more trees before it overfits. The setting is fitted with up to <c>maxMultiple</c> times its trees
/// on most of the training rows; the count whose staged score (<see cref="StagedEnsemble"/>) ranks the held-out rest
/// best is the one refitted on all of them. Test rows are never used.
/// </summary>
public static class RefitTrees
{
    /// <summary>
    /// The tree count for <paramref name="spec"/> refitted on <paramref name="trainRows"/>, or null for a forest (more
    /// trees only average) or an ensemble the staged scores cannot read.
    /// </summary>
    public static RefitTreesChoice? Choose(ModelMatrix data, int[] trainRows, ModelSpec spec, int seed, int maxMultiple = 4, int heldOutRows = 60_000,
        IProgress<string>? progress = null)
    {
        if (spec.Trainer == TrainerKind.FastForest || maxMultiple < 2) return null;
        var labels = trainRows.Select(i => data.Labels[i]).ToArray();
        var split = Splits.Stratified(labels, seed, testShare: Math.Min(0.1, (double)heldOutRows / trainRows.Length));
        var fit = split.Train.Select(i => trainRows[i]).ToArray();
        var held = data.Subset(split.Test.Select(i => trainRows[i]).ToArray());
        progress?.Report($"choosing the refit's trees: {spec.Trees * maxMultiple} trees on {fit.Length:N0} training rows, " +
            $"scored on {held.Count:N0} others");
        var model = TrainedModel.Fit(data.Subset(fit), spec with { Trees = spec.Trees * maxMultiple }, seed);
        // The sweep's count, then every half of it up to maxMultiple times it.
        var counts = Enumerable.Range(2, 2 * maxMultiple - 1).Select(h => spec.Trees * h / 2).ToArray();
        if (StagedEnsemble.Scores(model, held.Rows, counts) is not { } scores) return null;
        var curve = counts.Select((k, i) => (k, Statistics.Auc(scores[i], held.Labels))).ToArray();
        var best = curve.MaxBy(c => c.Item2); // the first of equal AUCs: the fewer trees
        return new RefitTreesChoice(spec.Trees, best.k, curve, fit.Length, held.Count);
    }
}
