using System.Globalization;
using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;
using PopHealth.Features;
using PopHealth.Workbook;

namespace PopHealth.Scoring;

/// <summary>
/// The respondent ids of an input, carried to the output exactly: whole-number ids (integer columns, or floating-point
/// columns holding whole numbers) stay whole numbers, text ids stay text. A missing or non-integral id is a per-row
/// reason, never replaced; without an id column the 1-based row number is the id. Duplicates are counted. Ids in an integer
/// column are read as integers, so every one is carried exactly; a floating-point column's are checked to be whole numbers.
/// </summary>
public sealed class RespondentIds
{
    /// <summary>Largest whole number a double holds exactly; beyond it an id read from a floating-point column may have been rounded.</summary>
    private const double ExactDoubleLimit = 9_007_199_254_740_992; // 2^53

    private readonly DataField? field;
    private readonly HashSet<long> seenNumbers;
    private readonly HashSet<string> seenText;
    private readonly List<string> duplicateExamples = [];

    /// <param name="expectedRows">The input's rows, if known: the sets that find duplicates are sized for them once.</param>
    public RespondentIds(DataField? field, long expectedRows = 0)
    {
        this.field = field;
        IsText = field is not null && BatchScorer.TypeName(field) == "text";
        var capacity = field is null ? 0 : (int)Math.Clamp(expectedRows, 0, 1 << 26);
        seenNumbers = new HashSet<long>(IsText ? 0 : capacity);
        seenText = new HashSet<string>(IsText ? capacity : 0, StringComparer.Ordinal);
        OutputField = IsText ? new DataField<string>(FeatureSet.RespondentId) : new DataField<long?>(FeatureSet.RespondentId);
    }

    public bool IsText { get; }
    /// <summary>The output's id column: text for text ids, nullable whole numbers otherwise.</summary>
    public DataField OutputField { get; }
    public long Duplicates { get; private set; }
    public IReadOnlyList<string> DuplicateExamples => duplicateExamples;

    /// <summary>
    /// The ids of one row group into <paramref name="work"/> (whole numbers packed with a 1/0 per row, or text), with a
    /// reason for each row whose id is unusable.
    /// </summary>
    internal async Task ReadAsync(ParquetRowGroupReader group, long offset, RowGroupWork work)
    {
        if (field is null) { RowNumbers(work, offset); return; }
        if (IsText)
        {
            work.TextIds = work.TextIds is { } text && text.Length >= work.Rows ? text : new string?[work.Capacity];
            await group.ReadAsync(field, work.TextIds.AsMemory(0, work.Rows));
            CheckText(work);
        }
        else if (ParquetFrames.IsWholeNumber(field))
        {
            await ParquetFrames.ReadWholeNumbersAsync(group, field, work.Ids, work.IdDefined);
            CheckWholeNumbers(work);
        }
        else
        {
            await ParquetFrames.ReadNumbersAsync(group, field, work.Values, work.Defined);
            CheckFloating(work);
        }
    }

    private static void RowNumbers(RowGroupWork work, long offset)
    {
        for (var i = 0; i < work.Rows; i++) (work.Ids[i], work.IdDefined[i]) = (offset + i + 1, 1);
        work.IdCount = work.Rows;
    }

    private static void CheckText(RowGroupWork work)
    {
        var text = work.TextIds!;
        for (var i = 0; i < work.Rows; i++)
            if (text[i] is null) work.Reasons[i] ??= Missing;
    }

    /// <summary>Integer ids: carried exactly (every value of an integer column is a whole number).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CheckWholeNumbers(RowGroupWork work)
    {
        var count = 0;
        for (var i = 0; i < work.Rows; i++)
            if (work.IdDefined[i] == 0) work.Reasons[i] ??= Missing;
            else count++;
        work.IdCount = count;
    }

    /// <summary>
    /// Floating-point ids: whole numbers within 2^53 are carried; NaN, fractions and larger values are reasons (their
    /// id is left null).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CheckFloating(RowGroupWork work)
    {
        var count = 0;
        for (int i = 0, v = 0; i < work.Rows; i++)
        {
            var (id, problem) = WholeNumber(work.Defined[i] == 0 ? null : work.Values[v++]);
            work.IdDefined[i] = problem is null ? 1 : 0;
            if (problem is not null) { work.Reasons[i] ??= problem; continue; }
            work.Ids[count++] = id!.Value;
        }
        work.IdCount = count;
    }

    /// <summary>
    /// Counts the row group's ids already seen (row groups in input order: row groups are read in parallel, so this runs
    /// where they come back in order). Returns the number of repeats in this group.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void CountDuplicates(RowGroupWork work)
    {
        if (field is null) return;
        if (work.TextIds is { } text)
        {
            for (var i = 0; i < work.Rows; i++)
                if (text[i] is { } id && !seenText.Add(id)) CountDuplicate(id);
            return;
        }
        for (var i = 0; i < work.IdCount; i++)
            if (!seenNumbers.Add(work.Ids[i])) CountDuplicate(work.Ids[i].ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A numeric id as a whole number, or why it is not one.</summary>
    public static (long? Id, string? Problem) WholeNumber(double? value) => value switch
    {
        null => (null, Missing),
        double.NaN => (null, "respondent_id is NaN"),
        { } v when Math.Abs(v) >= ExactDoubleLimit => (null,
            $"respondent_id={v.ToString("R", CultureInfo.InvariantCulture)} is beyond the whole numbers a floating-point id holds exactly " +
            $"(store ids as integers or text)"),
        { } v when v != Math.Floor(v) => (null, $"respondent_id={v.ToString("R", CultureInfo.InvariantCulture)} is not a whole number"),
        { } v => ((long)v, null),
    };

    private const string Missing = "respondent_id is missing";

    private void CountDuplicate(string id)
    {
        Duplicates++;
        if (duplicateExamples.Count < 5 && !duplicateExamples.Contains(id)) duplicateExamples.Add(id);
    }
}
