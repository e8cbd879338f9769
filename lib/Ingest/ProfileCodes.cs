using System.Globalization;
using PopHealth.Workbook;

namespace PopHealth.Ingest;

/// <summary>
/// Checks a converted table's values against its profile's <see cref="BrfssYearProfile.CheckedCodes"/> (streamed, a row
/// group at a time).
/// </summary>
public static class ProfileCodes
{
    /// <summary>
    /// Throws, naming <paramref name="source"/>, each column and its unexpected codes, when a value falls outside the
    /// codes the profile knows.
    /// </summary>
    public static async Task VerifyAsync(string converted, BrfssYearProfile profile, string source)
    {
        if (profile.CheckedCodes is not { } codes) return;
        await using var reader = await ParquetFrames.OpenAsync(converted);
        var fields = reader.Schema.GetDataFields().Where(f => codes.ContainsKey(f.Name)).ToArray();
        var unexpected = fields.ToDictionary(f => f.Name, _ => new SortedSet<double>());
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            foreach (var field in fields)
            {
                var values = new double?[group.RowCount];
                await group.ReadAsync<double>(field, values.AsMemory());
                var known = codes[field.Name];
                foreach (var v in values)
                    if (v is { } x && Array.IndexOf(known, x) < 0 && unexpected[field.Name].Count < 10) unexpected[field.Name].Add(x);
            }
        }
        var problems = unexpected.Where(kv => kv.Value.Count > 0)
            .Select(kv => $"{kv.Key} holds {string.Join(", ", kv.Value.Select(v => v.ToString(CultureInfo.InvariantCulture)))} " +
                $"(2024's codes: {string.Join(", ", codes[kv.Key].Select(v => v.ToString(CultureInfo.InvariantCulture)))})").ToArray();
        if (problems.Length > 0)
            throw new InvalidDataException($"{source}: converted as {profile.Name}, but its coding is not 2024's, " +
                $"which the workbook knows: {string.Join("; ", problems)}. Check that {WorkbookVariables.Year} names this file's year, " +
                $"and that the file is the 20-variable extract; the workbook refuses rather than guess a recoded variable.");
    }
}
