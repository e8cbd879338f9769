using System.IO.Compression;
using System.Text;

namespace PopHealth.Tests.Ingest;

/// <summary>
/// The first rows of a shipped national 20-variable extract (data/brfss-real) written as a CSV, with an edit applied to
/// each row's fields: our own fixtures for the year and code checks, made from real rows.
/// </summary>
internal static class NationalSlice
{
    /// <summary>
    /// Writes the header and the first <paramref name="rows"/> rows of <paramref name="year"/>'s extract to
    /// <paramref name="path"/>.
    /// </summary>
    /// <param name="edit">Changes a row's fields in place: (header, fields, row number from 0).</param>
    public static string Write(string path, int year, int rows, Action<string[], string[], int>? edit = null)
    {
        using var zip = ZipFile.OpenRead(RealData.Extract($"brfss{year}_llcp_national_20vars.zip"));
        using var reader = new StreamReader(zip.Entries.Single().Open());
        var header = reader.ReadLine()!.Split(',');
        var text = new StringBuilder().AppendJoin(',', header).Append('\n');
        for (var r = 0; r < rows && reader.ReadLine() is { } line; r++)
        {
            var fields = line.Split(',');
            edit?.Invoke(header, fields, r);
            text.AppendJoin(',', fields).Append('\n');
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>Sets column <paramref name="column"/> of a row to <paramref name="value"/>.</summary>
    public static void Set(string[] header, string[] fields, string column, string value) => fields[Array.IndexOf(header, column)] = value;

    /// <summary>The value of column <paramref name="column"/> in a row.</summary>
    public static string Get(string[] header, string[] fields, string column) => fields[Array.IndexOf(header, column)];
}
