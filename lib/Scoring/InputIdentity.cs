using System.Security.Cryptography;
using System.Text;
using Parquet;
using PopHealth.Workbook;

namespace PopHealth.Scoring;

/// <summary>
/// Which Parquet file a reader has open, from its footer: the row count and a SHA-256 over the row groups' sizes and
/// offsets, each column chunk's sizes, offsets and statistics, the writer and the key-value metadata. A file rewritten
/// with other rows (another 05 or 06 on the same data root) differs; an unchanged file reads the same every time. Scoring
/// opens its input several times (the check, two read lanes, the summary): each open is held to the identity the check saw,
/// so one run never mixes two files' rows.
/// </summary>
public sealed record InputIdentity(long Rows, string Footer)
{
    /// <summary>The identity of the file <paramref name="reader"/> has open.</summary>
    public static InputIdentity Of(ParquetReader reader)
    {
        var meta = reader.Metadata ?? throw new InvalidDataException("A Parquet reader without a footer.");
        var text = new StringBuilder().Append(meta.NumRows).Append('|').Append(meta.CreatedBy).Append('|');
        foreach (var group in meta.RowGroups)
        {
            text.Append("g:").Append(group.NumRows).Append(',').Append(group.TotalByteSize).Append(',').Append(group.FileOffset).Append('|');
            foreach (var chunk in group.Columns)
            {
                var c = chunk.MetaData;
                text.Append(chunk.FileOffset).Append(',');
                if (c is null) continue;
                text.Append(string.Join('.', c.PathInSchema)).Append(',').Append(c.NumValues).Append(',').Append(c.TotalCompressedSize).Append(',')
                    .Append(c.TotalUncompressedSize).Append(',').Append(c.DataPageOffset).Append(',').Append(c.DictionaryPageOffset).Append(',');
                if (c.Statistics is { } s)
                    text.Append(s.NullCount).Append(',').Append(Hex(s.MinValue ?? s.Min)).Append(',').Append(Hex(s.MaxValue ?? s.Max));
                text.Append('|');
            }
        }
        foreach (var kv in (meta.KeyValueMetadata ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            text.Append(kv.Key).Append('=').Append(kv.Value).Append('|');
        return new InputIdentity(meta.NumRows, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))));
    }

    /// <summary>The identity of the file now at <paramref name="path"/>.</summary>
    public static async Task<InputIdentity> OfFileAsync(string path)
    {
        await using var reader = await ParquetFrames.OpenAsync(path);
        return Of(reader);
    }

    /// <summary>Refuses a reader (or file) that is not the one this identity was taken from, naming it and what to do.</summary>
    public void Require(InputIdentity seen, string path, string what)
    {
        if (seen == this) return;
        var rows = seen.Rows == Rows ? $"{Rows:N0} rows, but other contents" : $"{seen.Rows:N0} rows instead of {Rows:N0}";
        throw new InvalidDataException($"{path} changed while 06 was using it ({what}: {rows}): another run wrote it in between " +
            "(05-synthesize, or a second 06 on the same POPHEALTH_DATA). Nothing was mixed; run 06 again when no other run is writing there.");
    }

    private static string Hex(byte[]? bytes) => bytes is null ? "" : Convert.ToHexString(bytes);
}
