using PopHealth.Features;
using PopHealth.Workbook;

namespace PopHealth.Modeling;

/// <summary>
/// The train/test split of a feature table, its named test sets, the prior shift of balanced training and the rows'
/// survey years (null for one year).
/// </summary>
/// <param name="Tests">Named test sets; the first is the headline.</param>
public sealed record PlannedSplit(DataSplit Split, IReadOnlyList<(string Name, int[] Rows)> Tests, PriorShift? Shift, int[]? Years);

/// <summary>
/// The split a feature table is trained and tested on: one rule, used by 04 to train and by 03 to decide candidate features on the
/// same training respondents (never a test respondent).
/// </summary>
public static class TrainingSplits
{
    /// <summary>
    /// <c>seed</c> as the original (balanced), <c>improved</c> stratified at the natural prevalence, or with several survey years a
    /// holdout of the latest year. A function of the labels, years, recipe and seed only.
    /// </summary>
    public static PlannedSplit For(FeatureSet set, ModelMatrix data, int seed)
    {
        var years = SurveyYears(set, data);
        if (years is not null && set.Recipe == Recipe.Improved)
        {
            var split = Splits.LatestYearHoldout(data.Labels, years, seed);
            return new PlannedSplit(split,
                [($"within-year holdout of {years.Max()}", split.Test), (BalancedTest, Splits.Balance(split.Test, data.Labels, seed))], null, years);
        }
        if (set.Recipe == Recipe.Original)
        {
            var split = Splits.OriginalBalanced(data.Labels, seed);
            // Balanced training overstates risk; scorers map probabilities back to the population's prevalence.
            var shift = new PriorShift(split.Train.Average(i => data.Labels[i] ? 1.0 : 0.0), data.Prevalence);
            return new PlannedSplit(split, [("balanced test (the original's)", split.Test)], shift, years);
        }
        var natural = Splits.Stratified(data.Labels, seed);
        return new PlannedSplit(natural, [("natural-prevalence test", natural.Test), (BalancedTest, Splits.Balance(natural.Test, data.Labels, seed))],
            null, years);
    }

    private const string BalancedTest = "balanced test (25 % of negatives, as the original)";

    /// <summary>Each row's survey year when the features carry at least two (null otherwise).</summary>
    private static int[]? SurveyYears(FeatureSet set, ModelMatrix data)
    {
        if (set.ValuesFor(FeatureSet.SurveyYear, data.Ids) is not { } values) return null;
        if (values.Any(v => v is null))
            throw new InvalidDataException($"Some rows of the features have no {FeatureSet.SurveyYear}; re-run 01-convert and 03-transform.");
        var years = values.Select(v => (int)v!.Value).ToArray();
        return years.Distinct().Count() >= 2 ? years : null;
    }
}
