using System.Globalization;
using Microsoft.Data.Analysis;

namespace PopHealth.Scoring;

/// <summary>
/// The rows one scoring run wrote, kept as they were written (input order): each row's probability (null where a reason
/// was given), reason and respondent id in text form (empty where the id was unusable). The infer step summarises from
/// these, never from a file another run may have replaced in between.
/// </summary>
public sealed class ScoredRows
{
    private readonly double?[] probabilities;
    private readonly string?[] reasons;
    private readonly string[] ids;
    private int count;

    internal ScoredRows(long rows)
    {
        var n = checked((int)rows);
        (probabilities, reasons, ids) = (new double?[n], new string?[n], new string[n]);
    }

    public IReadOnlyList<double?> Probabilities => probabilities;
    public IReadOnlyList<string?> Reasons => reasons;
    public IReadOnlyList<string> Ids => ids;
    public int Count => count;

    /// <summary>The rows of a predictions file read back (its id, probability and reason columns).</summary>
    public static ScoredRows From(DataFrame predictions)
    {
        var (probability, reason, id) = (predictions.Columns["probability"], predictions.Columns["reason"],
            predictions.Columns[Features.FeatureSet.RespondentId]);
        var rows = new ScoredRows(predictions.Rows.Count) { count = (int)predictions.Rows.Count };
        for (var i = 0; i < rows.count; i++)
        {
            rows.probabilities[i] = probability[i] is { } p ? Convert.ToDouble(p, CultureInfo.InvariantCulture) : null;
            rows.reasons[i] = (string?)reason[i];
            rows.ids[i] = Convert.ToString(id[i], CultureInfo.InvariantCulture) ?? "";
        }
        return rows;
    }

    /// <summary>Appends one row group as it is written.</summary>
    internal void Add(RowGroupWork work)
    {
        if (count + work.Rows > probabilities.Length)
            throw new InvalidDataException($"The input holds more rows than the {probabilities.Length:N0} it was checked with.");
        for (int i = 0, scored = 0, id = 0; i < work.Rows; i++)
        {
            var at = count + i;
            probabilities[at] = work.Scored[i] == 1 ? work.Probability[scored++] : null;
            reasons[at] = work.Reasons[i];
            ids[at] = work.TextIds is { } text ? text[i] ?? "" : work.IdDefined[i] == 1 ? work.Ids[id++].ToString(CultureInfo.InvariantCulture) : "";
        }
        count += work.Rows;
    }
}
