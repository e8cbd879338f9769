using System.Globalization;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using PopHealth.Workbook;

namespace PopHealth.Ingest;

/// <summary>One converted survey year to merge: the converted file, its year, and the source it was converted from (named in errors).</summary>
public sealed record SurveyYearPart(string Path, int Year, string Source);

/// <summary>
/// Several converted survey years as one interim table: the union of their columns (a column a year lacks is null
/// there), plus <c>survey_year</c>, streamed row group by row group (memory follows a row group, not the years).
/// Each year keeps its own profile's names and codes; the years' profiles must be of one kind (same renames), else
/// their columns would not mean the same thing, and the merge refuses.
/// </summary>
public static class SurveyYears
{
    public const string Column = "survey_year";

    /// <summary>Merges converted files (<paramref name="parts"/>, in order) into <paramref name="output"/>, atomically.</summary>
    public static async Task MergeAsync(IReadOnlyList<SurveyYearPart> parts, string output)
    {
        if (parts.Count < 2) throw new ArgumentException("Merging needs at least two survey years.", nameof(parts));
        if (parts.GroupBy(p => p.Year).FirstOrDefault(g => g.Count() > 1) is { } same)
            throw new InvalidDataException($"{string.Join(" and ", same.Select(p => p.Source))} are all of survey year {same.Key}: " +
                $"pool one source per year (each with its own year in {WorkbookVariables.Year}, or stated by its file).");
        var metadata = new List<IReadOnlyDictionary<string, string>>();
        var fields = new List<DataField>();
        foreach (var (path, _, _) in parts)
        {
            metadata.Add(await BrfssConverter.ReadMetadataAsync(path));
            await using var reader = await ParquetFrames.OpenAsync(path);
            foreach (var field in reader.Schema.GetDataFields())
                if (fields.All(f => f.Name != field.Name)) fields.Add(field);
        }
        CheckOneKind(parts, metadata);
        var schema = new ParquetSchema(fields.Append(new DataField<double?>(Column)).ToArray());
        await ParquetFrames.WriteAsync(output, schema, async writer =>
        {
            for (var p = 0; p < parts.Count; p++) await CopyAsync(parts[p].Path, parts[p].Year, schema, writer);
        }, MergedMetadata(parts, metadata));
    }

    private static void CheckOneKind(IReadOnlyList<SurveyYearPart> parts, List<IReadOnlyDictionary<string, string>> metadata)
    {
        string Renames(int i) => metadata[i].GetValueOrDefault(BrfssConverter.MetadataPrefix + "renamed", "{}");
        for (var i = 1; i < parts.Count; i++)
            if (Renames(i) != Renames(0))
                throw new InvalidDataException(
                    $"{parts[i].Source} ({metadata[i].GetValueOrDefault(BrfssConverter.MetadataPrefix + "year_profile")}) " +
                    $"is not the same kind of extract as {parts[0].Source} " +
                    $"({metadata[0].GetValueOrDefault(BrfssConverter.MetadataPrefix + "year_profile")}): their columns would not mean the same; " +
                    $"pool extracts of one kind.");
    }

    private static Dictionary<string, string> MergedMetadata(IReadOnlyList<SurveyYearPart> parts, List<IReadOnlyDictionary<string, string>> metadata)
    {
        var latest = Enumerable.Range(0, parts.Count).MaxBy(i => parts[i].Year);
        var merged = new Dictionary<string, string>(metadata[latest]);
        string P(string key) => BrfssConverter.MetadataPrefix + key;
        merged[P("source")] = string.Join(Path.PathSeparator, metadata.Select(m => m.GetValueOrDefault(P("source"), "")));
        merged[P("source_sha256")] = string.Join(",", metadata.Select(m => m.GetValueOrDefault(P("source_sha256"), "")));
        merged[P("rows")] = metadata.Sum(m => long.Parse(m.GetValueOrDefault(P("rows"), "0"), CultureInfo.InvariantCulture))
            .ToString(CultureInfo.InvariantCulture);
        merged[P("synthetic")] = metadata.Any(m => m.GetValueOrDefault(P("synthetic")) == "true") ? "true" : "false";
        merged[P("survey_years")] = JsonSerializer.Serialize(parts.Select((p, i) =>
            new { p.Year, Profile = metadata[i].GetValueOrDefault(P("year_profile")), Rows = metadata[i].GetValueOrDefault(P("rows")) }));
        return merged;
    }

    private static async Task CopyAsync(string path, int year, ParquetSchema schema, ParquetWriter writer)
    {
        await using var reader = await ParquetFrames.OpenAsync(path);
        var present = reader.Schema.GetDataFields().ToDictionary(f => f.Name);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = checked((int)group.RowCount);
            using var outGroup = writer.CreateRowGroup();
            foreach (var field in schema.GetDataFields())
            {
                present.TryGetValue(field.Name, out var source);
                if (field.Name == Column)
                    await outGroup.WriteAsync(field, new ReadOnlyMemory<double?>(Enumerable.Repeat((double?)year, n).ToArray()));
                else if (IsText(field))
                {
                    var text = new string?[n];
                    if (source is not null) await group.ReadAsync(source, text.AsMemory());
                    await outGroup.WriteAsync(field, text);
                }
                else
                {
                    var numbers = new double?[n];
                    if (source is not null) await group.ReadAsync<double>(source, numbers.AsMemory());
                    await outGroup.WriteAsync(field, new ReadOnlyMemory<double?>(numbers));
                }
            }
        }
    }

    /// <summary>Converted tables hold nullable doubles and text only (<see cref="BrfssConverter"/>).</summary>
    private static bool IsText(DataField field) =>
        (Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType) is var t && (t == typeof(string) || t == typeof(ReadOnlyMemory<char>));
}
