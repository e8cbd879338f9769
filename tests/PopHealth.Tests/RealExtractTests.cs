using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace PopHealth.Tests;

/// <summary>The shipped real extracts are whole: every file listed in data/brfss-real/SOURCES.md is present with its
/// recorded size and sha256, and no unlisted data file sits beside them.</summary>
[Trait("Category", "RealData")]
public sealed partial class RealExtractTests
{
    [GeneratedRegex(@"^\| `(?<file>[^`]+)` \|[^|]*\| (?<rows>[\d,]+) \| (?<bytes>[\d,]+) \| (?<sha>[0-9a-f]{64}) \|$", RegexOptions.Multiline)]
    private static partial Regex SourceRow();

    private static readonly string Folder = Repo.Path("data", "brfss-real");

    [Fact]
    public void Every_listed_extract_matches_its_size_and_checksum()
    {
        var rows = SourceRow().Matches(File.ReadAllText(Path.Combine(Folder, "SOURCES.md")).ReplaceLineEndings("\n"));
        Assert.Equal(5, rows.Count);
        foreach (Match row in rows)
        {
            var path = Path.Combine(Folder, row.Groups["file"].Value);
            Assert.True(File.Exists(path), $"{path} is listed in SOURCES.md but missing");
            Assert.Equal(long.Parse(row.Groups["bytes"].Value.Replace(",", ""), CultureInfo.InvariantCulture), new FileInfo(path).Length);
            using var stream = File.OpenRead(path);
            Assert.Equal(row.Groups["sha"].Value, Convert.ToHexStringLower(SHA256.HashData(stream)));
        }
    }

    [Fact]
    public void No_unlisted_file_ships_beside_the_extracts()
    {
        var listed = SourceRow().Matches(File.ReadAllText(Path.Combine(Folder, "SOURCES.md")).ReplaceLineEndings("\n"))
            .Select(m => m.Groups["file"].Value).Append("SOURCES.md").ToHashSet();
        Assert.All(Directory.GetFiles(Folder), f => Assert.Contains(Path.GetFileName(f), listed));
    }
}
