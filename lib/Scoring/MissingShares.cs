using System.Buffers;
using Parquet;
using Parquet.Schema;
using PopHealth.Modeling;
using PopHealth.Workbook;

namespace PopHealth.Scoring;

/// <summary>
/// When a feature's unknowns in a scored input are too many to score silently: its missing share exceeds the training
/// rows' share (stored with the model, <see cref="FeatureBins.MissingShare"/>) by more than <paramref name="Points"/>
/// (20 percentage points), by more than <paramref name="StandardErrors"/> (4) binomial standard errors of the input's share
/// (so a small input is not flagged by chance), and in at least <paramref name="MinRows"/> (10) rows.
/// </summary>
/// <remarks>
/// Why these numbers: a model scores an unknown value by the route its trees learnt for unknowns; where training had few
/// or none (a count the pipeline always fills, such as <c>condition_count</c>), that route is whatever the trainer defaults
/// to, and a column arriving empty moves the probabilities (on the default run, <c>condition_count</c> emptied in 05's 10,000
/// synthetic respondents moved 6,267 probabilities by more than 0.01, up to 0.58, and the predicted prevalence from 19.3 % to
/// 10.7 %). Ordinary differences are far smaller: between the national extracts of 2022, 2023 and 2024 no feature's missing
/// share differs by more than 3.8 points (binge drinking), and 05's synthetic respondents are within 0.8 points of the
/// training rows; 20 points is a change of what the column means, not of who answered.
/// At 4 standard errors a chance excess in a sample drawn like the training rows happens about 3 times in 100,000 per
/// feature. The rows that lack such a feature get a reason instead of a score; rows that have it are scored as usual.
/// </remarks>
public sealed record MissingShareLimit(double Points = 0.20, double StandardErrors = 4, long MinRows = 10)
{
    /// <summary>
    /// Whether <paramref name="missing"/> unknowns among <paramref name="rows"/> exceed a training share of
    /// <paramref name="trainingShare"/>.
    /// </summary>
    public bool Exceeded(long missing, long rows, double trainingShare)
    {
        if (rows == 0 || missing < MinRows || double.IsNaN(trainingShare)) return false;
        var excess = missing / (double)rows - trainingShare;
        var error = Math.Sqrt(trainingShare * (1 - trainingShare) / rows);
        return excess > Points && excess > StandardErrors * error;
    }
}

/// <summary>
/// A feature the input leaves unknown far more often than the training rows did (see <see cref="MissingShareLimit"/>):
/// its rows lacking it are not scored.
/// </summary>
public sealed record MissingFeature(string Feature, long MissingRows, long Rows, double TrainingShare)
{
    public double InputShare => Rows == 0 ? 0 : MissingRows / (double)Rows;

    /// <summary>The reason each row lacking the feature carries instead of a score.</summary>
    public string Reason =>
        $"{Feature} is missing, as in {InputShare:P0} of this input against {TrainingShare:P0} of the training rows: too many to score without it";

    /// <summary>One line for the top of 06.</summary>
    public string Describe() =>
        $"{Feature} is missing in {MissingRows:N0} of {Rows:N0} rows ({InputShare:P1}) against {TrainingShare:P1} of the training rows: " +
        "those rows get a reason instead of a score (fill the column, or train on data like this input).";
}

/// <summary>
/// Counts the unknowns of an input's feature columns, from the footer's statistics where every row group has them, else
/// from the pages.
/// </summary>
internal static class MissingCounts
{
    /// <summary>Nulls per feature field (in order) over the whole file.</summary>
    public static async Task<long[]> CountAsync(ParquetReader reader, DataField[] fields)
    {
        var counts = new long[fields.Length];
        for (var j = 0; j < fields.Length; j++)
            counts[j] = FromStatistics(reader, fields[j]) ?? await FromPagesAsync(reader, fields[j]);
        return counts;
    }

    /// <summary>The features whose unknowns exceed the limit, with their counts.</summary>
    public static MissingFeature[] Beyond(long[] counts, long rows, FeatureDomain[] domains, MissingShareLimit limit) =>
        domains.Select((d, j) => (Domain: d, Missing: counts[j]))
            .Where(x => x.Domain.Bins is { } bins && limit.Exceeded(x.Missing, rows, bins.MissingShare))
            .Select(x => new MissingFeature(x.Domain.Feature, x.Missing, rows, x.Domain.Bins!.MissingShare)).ToArray();

    private static long? FromStatistics(ParquetReader reader, DataField field)
    {
        long total = 0;
        foreach (var group in reader.Metadata!.RowGroups)
        {
            var chunk = group.Columns.FirstOrDefault(c => c.MetaData?.PathInSchema is [var name] && name == field.Name);
            if (chunk?.MetaData?.Statistics?.NullCount is not { } nulls) return null;
            total += nulls;
        }
        return total;
    }

    private static async Task<long> FromPagesAsync(ParquetReader reader, DataField field)
    {
        long total = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = checked((int)group.RowCount);
            var (values, defined) = (ArrayPool<double>.Shared.Rent(n), ArrayPool<int>.Shared.Rent(n));
            try { total += n - await ParquetFrames.ReadNumbersAsync(group, field, values, defined); }
            finally
            {
                ArrayPool<double>.Shared.Return(values);
                ArrayPool<int>.Shared.Return(defined);
            }
        }
        return total;
    }
}
