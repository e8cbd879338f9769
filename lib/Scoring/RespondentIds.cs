using System.Globalization;
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
    private readonly HashSet<long> seenNumbers = [];
    private readonly HashSet<string> seenText = new(StringComparer.Ordinal);
    private readonly List<string> duplicateExamples = [];

    public RespondentIds(DataField? field)
    {
        this.field = field;
        IsText = field is not null && BatchScorer.TypeName(field) == "text";
        OutputField = IsText ? new DataField<string>(FeatureSet.RespondentId) : new DataField<long?>(FeatureSet.RespondentId);
    }

    public bool IsText { get; }
    /// <summary>The output's id column: text for text ids, nullable whole numbers otherwise.</summary>
    public DataField OutputField { get; }
    public long Duplicates { get; private set; }
    public IReadOnlyList<string> DuplicateExamples => duplicateExamples;

    /// <summary>The ids of one row group (an array of <c>long?</c> or <c>string</c>), with a reason set for each row whose id is unusable.</summary>
    public async Task<Array> ReadAsync(ParquetRowGroupReader group, int rows, long offset, string?[] reasons)
    {
        if (field is null)
        {
            var numbers = new long?[rows];
            for (var i = 0; i < rows; i++) numbers[i] = offset + i + 1;
            return numbers;
        }
        if (IsText) return await ReadTextAsync(group, rows, reasons);
        return ParquetFrames.IsWholeNumber(field) ? await ReadIntegersAsync(group, rows, reasons) : await ReadFloatingAsync(group, rows, reasons);
    }

    private async Task<string?[]> ReadTextAsync(ParquetRowGroupReader group, int rows, string?[] reasons)
    {
        var text = new string?[rows];
        await group.ReadAsync(field!, text.AsMemory());
        for (var i = 0; i < rows; i++)
            if (text[i] is null) reasons[i] ??= Missing;
            else if (!seenText.Add(text[i]!)) CountDuplicate(text[i]!);
        return text;
    }

    /// <summary>Integer ids: carried exactly (every value of an integer column is a whole number).</summary>
    private async Task<long?[]> ReadIntegersAsync(ParquetRowGroupReader group, int rows, string?[] reasons)
    {
        var (values, defined) = (new long[rows], new int[rows]);
        await ParquetFrames.ReadWholeNumbersAsync(group, field!, values, defined);
        var ids = new long?[rows];
        for (int i = 0, v = 0; i < rows; i++)
        {
            if (defined[i] == 0) { reasons[i] ??= Missing; continue; }
            var id = values[v++];
            ids[i] = id;
            if (!seenNumbers.Add(id)) CountDuplicate(id.ToString(CultureInfo.InvariantCulture));
        }
        return ids;
    }

    /// <summary>Floating-point ids: whole numbers within 2^53 are carried; NaN, fractions and larger values are reasons.</summary>
    private async Task<long?[]> ReadFloatingAsync(ParquetRowGroupReader group, int rows, string?[] reasons)
    {
        var (values, defined) = (new double[rows], new int[rows]);
        await ParquetFrames.ReadNumbersAsync(group, field!, values, defined);
        var ids = new long?[rows];
        for (int i = 0, v = 0; i < rows; i++)
        {
            var (id, problem) = WholeNumber(defined[i] == 0 ? null : values[v++]);
            if (problem is not null) { reasons[i] ??= problem; continue; }
            ids[i] = id;
            if (!seenNumbers.Add(id!.Value)) CountDuplicate(id.Value.ToString(CultureInfo.InvariantCulture));
        }
        return ids;
    }

    /// <summary>A numeric id as a whole number, or why it is not one.</summary>
    public static (long? Id, string? Problem) WholeNumber(double? value) => value switch
    {
        null => (null, Missing),
        double.NaN => (null, "respondent_id is NaN"),
        { } v when Math.Abs(v) >= ExactDoubleLimit => (null, $"respondent_id={v.ToString("R", CultureInfo.InvariantCulture)} is beyond the whole numbers a floating-point id holds exactly (store ids as integers or text)"),
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
