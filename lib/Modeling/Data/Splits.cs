using PopHealth.Workbook;

namespace PopHealth.Modeling;

/// <summary>Row indices of a train/test split (indices into a <see cref="ModelMatrix"/>).</summary>
/// <param name="Recalibration">Respondents held out of both, whose labels recalibrate the model for the latest survey
/// year (empty unless several years).</param>
public sealed record DataSplit(int[] Train, int[] Test, string Description, int[]? Recalibration = null)
{
    public int[] Recalibration { get; init; } = Recalibration ?? [];
}

/// <summary>Seeded sampling: the original's balancing and split, stratified splits and folds.</summary>
public static class Splits
{
    /// <summary>
    /// The original's split: keep <paramref name="negativeShare"/> of the negatives (drawn at random) and every
    /// positive, then <paramref name="trainShare"/> of that balanced set (at random) for training, the rest for testing.
    /// </summary>
    public static DataSplit OriginalBalanced(bool[] labels, int seed, double negativeShare = 0.25, double trainShare = 0.8)
    {
        var random = new Random(seed);
        var negatives = Statistics.Shuffle(Enumerable.Range(0, labels.Length).Where(i => !labels[i]), random);
        var kept = negatives.Take((int)Math.Round(negatives.Length * negativeShare)).Concat(Enumerable.Range(0, labels.Length).Where(i => labels[i]));
        var balanced = Statistics.Shuffle(kept, random);
        var trainCount = (int)Math.Round(balanced.Length * trainShare);
        return new DataSplit(balanced.Take(trainCount).Order().ToArray(), balanced.Skip(trainCount).Order().ToArray(),
            $"the original's: {negativeShare:P0} of negatives and every positive, then {trainShare:P0} train / {1 - trainShare:P0} test");
    }

    /// <summary>A split at the natural prevalence, stratified by label.</summary>
    public static DataSplit Stratified(bool[] labels, int seed, double testShare = 0.2)
    {
        var random = new Random(seed);
        var train = new List<int>();
        var test = new List<int>();
        foreach (var label in new[] { false, true })
        {
            var members = Statistics.Shuffle(Enumerable.Range(0, labels.Length).Where(i => labels[i] == label), random);
            var testCount = (int)Math.Round(members.Length * testShare);
            test.AddRange(members.Take(testCount));
            train.AddRange(members.Skip(testCount));
        }
        return new DataSplit(train.Order().ToArray(), test.Order().ToArray(),
            $"stratified at the natural prevalence, {1 - testShare:P0} train / {testShare:P0} test");
    }

    /// <summary>
    /// With several survey years: the latest year is split stratified — <paramref name="testShare"/> is the within-year holdout
    /// (the headline test: the year the model is used on) and <paramref name="recalibrationShare"/> a labelled sample held out of
    /// training, on which the model is recalibrated for that year (a model's predictions on its own training rows lean towards
    /// their labels, so they cannot say how far its level is off) — and every earlier year and the rest of the latest train.
    /// </summary>
    public static DataSplit LatestYearHoldout(bool[] labels, int[] years, int seed, double testShare = 0.2, double recalibrationShare = 0.05)
    {
        var latest = years.Max();
        var inLatest = Enumerable.Range(0, labels.Length).Where(i => years[i] == latest).ToArray();
        var within = Stratified(inLatest.Select(i => labels[i]).ToArray(), seed, testShare);
        var rest = within.Train.Select(k => inLatest[k]).ToArray();
        var held = Stratified(rest.Select(i => labels[i]).ToArray(), seed, recalibrationShare / (1 - testShare));
        var train = Enumerable.Range(0, labels.Length).Where(i => years[i] < latest).Concat(held.Train.Select(k => rest[k])).Order().ToArray();
        return new DataSplit(train, within.Test.Select(k => inLatest[k]).ToArray(),
            $"years {years.Min()}–{latest - 1} and {1 - testShare - recalibrationShare:P0} of {latest} train; {recalibrationShare:P0} of {latest} " +
            $"(stratified) held out to recalibrate; {testShare:P0} of {latest} (stratified) test",
            held.Test.Select(k => rest[k]).ToArray());
    }

    /// <summary>Keeps <paramref name="negativeShare"/> of the negatives among <paramref name="rows"/> and every positive.</summary>
    public static int[] Balance(IReadOnlyList<int> rows, bool[] labels, int seed, double negativeShare = 0.25)
    {
        var random = new Random(seed);
        var negatives = Statistics.Shuffle(rows.Where(i => !labels[i]), random);
        return negatives.Take((int)Math.Round(negatives.Length * negativeShare)).Concat(rows.Where(i => labels[i])).Order().ToArray();
    }

    private static readonly bool[] BothLabels = [false, true];

    /// <summary>At most <paramref name="max"/> of <paramref name="rows"/>, stratified by label (all of them when fewer).</summary>
    public static int[] Subsample(IReadOnlyList<int> rows, bool[] labels, int max, int seed)
    {
        if (rows.Count <= max) return rows.ToArray();
        var random = new Random(seed);
        var share = max / (double)rows.Count;
        return BothLabels
            .SelectMany(label =>
            {
                var members = Statistics.Shuffle(rows.Where(i => labels[i] == label), random);
                return members.Take((int)Math.Round(members.Length * share));
            })
            .Order().ToArray();
    }

    /// <summary>Fold number (0…k−1) of each of <paramref name="rows"/>, stratified by label.</summary>
    public static int[] Folds(IReadOnlyList<int> rows, bool[] labels, int folds, int seed)
    {
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), folds, "Cross-validation needs at least two folds.");
        var random = new Random(seed);
        var fold = new int[rows.Count];
        foreach (var label in new[] { false, true })
        {
            var members = Statistics.Shuffle(Enumerable.Range(0, rows.Count).Where(k => labels[rows[k]] == label), random);
            for (var k = 0; k < members.Length; k++) fold[members[k]] = k % folds;
        }
        return fold;
    }
}
