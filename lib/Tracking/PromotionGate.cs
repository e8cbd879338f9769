using System.Globalization;

namespace PopHealth.Tracking;

/// <summary>
/// What a new version must show before the alias (<c>prod</c>) moves to it. A version that falls short is registered all the
/// same, tagged with the reason (<see cref="PromotionGate.Tag"/>), and the alias stays where it was.
/// </summary>
/// <param name="MinTestRows">Rows in the headline test set at least. With fewer, its AUC says little (see
/// <paramref name="MinTestClassRows"/>).</param>
/// <param name="MinTestClassRows">Rows of each class (fair/poor, good) in the headline test set at least. With 30 in the smaller class
/// an AUC's standard error is about 0.05 (Hanley and McNeil), so an AUC of 0.6 is told from chance at about 2 standard errors;
/// with fewer, a lucky or unlucky split decides. A 100-row sample (20 test rows, 3 or 4 fair/poor) falls short; the notebook
/// tests' 5,000 rows (1,000 test rows, about 190 fair/poor) and every real-data run pass.</param>
/// <param name="MinAuc">Headline test AUC at least: below 0.6 a model ranks respondents little better than chance (every
/// model of the workbook on real data reaches 0.8 or more), so risk tiers built on it would mislead.</param>
/// <param name="AucTolerance">With a current version on comparable data (same recipe, same features in the same order, same kind
/// of test set), the new version's test AUC may be below the current one's by at most this, or by
/// <paramref name="StandardErrors"/> standard errors of the difference of the two AUCs when that is more: two test sets
/// drawn alike differ by chance (on the default run's 20,000 test rows the difference's standard error is about 0.006).</param>
public sealed record PromotionRules(int MinTestRows = 200, int MinTestClassRows = 30, double MinAuc = 0.60, double AucTolerance = 0.01,
    double StandardErrors = 2);

/// <summary>What the new version was tested on and how it did, as the gate compares it (and as its run logs it).</summary>
/// <param name="TestSet">The headline test set's name, which says its kind (e.g. <c>natural-prevalence test</c>).</param>
public sealed record PromotionCandidate(string Recipe, IReadOnlyList<string> Features, string TestSet, long TestRows, long TestPositives, double Auc);

/// <summary>Whether the alias moves to the new version, and why; the version it was compared with (null when there was none).</summary>
public sealed record PromotionDecision(bool Promote, string Reason, int? CurrentVersion = null, double? CurrentAuc = null)
{
    /// <summary>One line for 04 and the version's tag.</summary>
    public string Summary => (Promote ? "promoted: " : "not promoted, the alias stays: ") + Reason;
}

/// <summary>
/// Decides whether a newly trained model replaces the current <c>prod</c> (<see cref="PromotionRules"/>): it must meet the
/// minimums, and on data comparable with the current version's it must not be worse by more than chance allows.
/// </summary>
public static class PromotionGate
{
    /// <summary>The version tag holding <see cref="PromotionDecision.Summary"/>.</summary>
    public const string Tag = "pophealth.promotion";

    public static PromotionDecision Decide(MlflowStore store, string model, string alias, PromotionCandidate candidate, PromotionRules rules)
    {
        if (Shortfall(candidate, rules) is { } shortfall) return new PromotionDecision(false, shortfall);
        var minimums = string.Create(CultureInfo.InvariantCulture,
            $"test AUC {candidate.Auc:F4} on {candidate.TestRows:N0} rows ({candidate.TestPositives:N0} fair/poor) meets the minimums " +
            $"(AUC {rules.MinAuc:F2}, {rules.MinTestRows} rows, {rules.MinTestClassRows} per class)");
        if (Current(store, model, alias) is not { } current) return new PromotionDecision(true, $"{minimums}; '{model}' had no '{alias}' yet.");
        var (version, run) = current;
        if (Incomparable(candidate, run) is { } difference)
            return new PromotionDecision(true,
                $"{minimums}; version {version.Version} (now '{alias}') was trained on other data ({difference}), so the minimums decide.",
                version.Version);
        if (!run.Metrics.TryGetValue(TrainingRunLog.AucMetric, out var auc))
            return new PromotionDecision(true,
                $"{minimums}; version {version.Version} (now '{alias}') logged no {TrainingRunLog.AucMetric}, so the minimums decide.",
                version.Version);
        var tolerance = Math.Max(rules.AucTolerance, rules.StandardErrors * DifferenceError(candidate, run, auc));
        var comparison = string.Create(CultureInfo.InvariantCulture,
            $"version {version.Version} (now '{alias}') reached {auc:F4} on comparable data (same recipe, features and test set kind); " +
            $"the tolerance is {tolerance:F4}");
        return candidate.Auc >= auc - tolerance
            ? new PromotionDecision(true, $"{minimums}; {comparison}.", version.Version, auc)
            : new PromotionDecision(false, string.Create(CultureInfo.InvariantCulture, $"test AUC {candidate.Auc:F4} is below what {comparison}."),
                version.Version, auc);
    }

    /// <summary>Why the candidate falls short of the minimums, or null when it meets them.</summary>
    private static string? Shortfall(PromotionCandidate c, PromotionRules rules)
    {
        var smaller = Math.Min(c.TestPositives, c.TestRows - c.TestPositives);
        if (c.TestRows < rules.MinTestRows)
            return $"the headline test set ({c.TestSet}) has {c.TestRows:N0} rows, " +
                $"fewer than the {rules.MinTestRows:N0} an AUC needs to mean something (train on more respondents).";
        if (smaller < rules.MinTestClassRows)
            return $"the headline test set ({c.TestSet}) has {smaller:N0} respondents in its smaller class, fewer than {rules.MinTestClassRows:N0} " +
                $"(train on more respondents).";
        if (double.IsNaN(c.Auc) || c.Auc < rules.MinAuc)
            return string.Create(CultureInfo.InvariantCulture,
                $"test AUC {c.Auc:F4} on the {c.TestSet} is below the minimum {rules.MinAuc:F2}: it ranks respondents little better than chance.");
        return null;
    }

    /// <summary>The version the alias points at and its run in this store; null when there is no alias yet.</summary>
    private static (RegisteredVersion Version, LoggedRun Run)? Current(MlflowStore store, string model, string alias)
    {
        if (store.AliasTarget(model, alias) is null) return null;
        var version = store.Resolve($"models:/{model}@{alias}");
        var run = store.FindRun(version.RunId)
            ?? throw new InvalidDataException($"models:/{model}@{alias}: its run {version.RunId} is not in {store.Root}.");
        return (version, run);
    }

    /// <summary>How the current version's data differs from the candidate's (recipe, features, test set kind), or null when comparable.</summary>
    private static string? Incomparable(PromotionCandidate c, LoggedRun run)
    {
        if (run.Params.GetValueOrDefault(TrainingRunLog.RecipeParam) is { } recipe && recipe != c.Recipe) return $"recipe {recipe}, not {c.Recipe}";
        if (run.Params.GetValueOrDefault(TrainingRunLog.FeaturesParam) is not { } features) return "its features were not logged";
        if (features != string.Join(",", c.Features)) return "other features";
        // Versions logged before the test set's name was recorded: the recipe fixes the kind for one survey year.
        if (run.Params.GetValueOrDefault(TrainingRunLog.TestSetParam) is { } test && test != c.TestSet) return $"its test set was the {test}";
        return null;
    }

    /// <summary>
    /// Standard error of the difference of the two AUCs (Hanley and McNeil 1982 for each; the current one's from its
    /// logged counts, else taken as the candidate's).
    /// </summary>
    private static double DifferenceError(PromotionCandidate c, LoggedRun run, double auc)
    {
        var candidate = AucStandardError(c.Auc, c.TestPositives, c.TestRows - c.TestPositives);
        var current = run.Metrics.TryGetValue(TrainingRunLog.RowsMetric, out var rows)
            && run.Metrics.TryGetValue(TrainingRunLog.PositivesMetric, out var positives)
            ? AucStandardError(auc, (long)positives, (long)(rows - positives))
            : candidate;
        return Math.Sqrt(candidate * candidate + current * current);
    }

    /// <summary>Hanley and McNeil's standard error of an AUC from <paramref name="positives"/> and <paramref name="negatives"/>.</summary>
    public static double AucStandardError(double auc, long positives, long negatives)
    {
        if (positives < 1 || negatives < 1) return double.PositiveInfinity;
        var (q1, q2) = (auc / (2 - auc), 2 * auc * auc / (1 + auc));
        var variance = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) / (positives * (double)negatives);
        return Math.Sqrt(Math.Max(0, variance));
    }
}
