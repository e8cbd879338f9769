using Microsoft.Data.Analysis;
using PopHealth.Workbook;

namespace PopHealth.Ingest;

/// <summary>The converted BRFSS table (<c>interim/brfss.parquet</c>): its columns under 2024 names, the year profile and provenance.</summary>
public sealed record BrfssTable(DataFrame Frame, BrfssYearProfile Profile, bool Synthetic, string Source)
{
    public long Rows => Frame.Rows.Count;
    public bool Has(string variable) => Frame.Columns.IndexOf(variable) >= 0;

    /// <summary>
    /// Reads a file written by <see cref="BrfssConverter"/>; its year profile comes from the file's metadata. With
    /// <paramref name="columns"/>, only those of them the file has are read (the others are simply absent from the frame).
    /// </summary>
    public static async Task<BrfssTable> ReadAsync(string path, IEnumerable<string>? columns = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist: run 01-convert first.", path);
        var metadata = await ParquetFrames.ReadMetadataAsync(path);
        if (!metadata.TryGetValue(BrfssConverter.MetadataPrefix + "year_profile", out var profileName))
            throw new InvalidDataException($"{path}: no {BrfssConverter.MetadataPrefix}year_profile metadata; " +
                $"convert the source with 01-convert first.");
        var profile = BrfssYearProfile.All.FirstOrDefault(p => p.Name == profileName)
            ?? throw new InvalidDataException($"{path}: unknown year profile '{profileName}'.");
        string[]? present = null;
        if (columns is not null)
        {
            await using var reader = await ParquetFrames.OpenAsync(path);
            var names = reader.Schema.GetDataFields().Select(f => f.Name).ToHashSet();
            present = columns.Where(names.Contains).Distinct().ToArray();
        }
        var frame = await ParquetFrames.ReadAsync(path, present);
        return new BrfssTable(frame, profile,
            metadata.TryGetValue(BrfssConverter.MetadataPrefix + "synthetic", out var s) && s == "true",
            metadata.TryGetValue(BrfssConverter.MetadataPrefix + "source", out var source) ? source : Path.GetFileName(path));
    }
}
