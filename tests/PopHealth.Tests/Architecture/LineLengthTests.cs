namespace PopHealth.Tests.Architecture;

/// <summary>
/// No line of C# is longer than .editorconfig's <c>max_line_length</c> for <c>*.cs</c> (150): the library, the runner, the
/// tools, the benchmarks and the tests read without scrolling sideways.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LineLengthTests
{
    /// <summary>The folders whose C# files are held to the limit (build output is skipped).</summary>
    private static readonly string[] Folders = ["lib", "notebooks/Runner", "tools", "benchmarks", "tests"];

    /// <summary>The limit .editorconfig states for C# files: its <c>[*.cs]</c> section's <c>max_line_length</c>.</summary>
    private static int Limit()
    {
        var section = "";
        foreach (var raw in File.ReadLines(Repo.Path(".editorconfig")))
        {
            var line = raw.Trim();
            if (line.StartsWith('[')) section = line;
            else if (section == "[*.cs]" && line.StartsWith("max_line_length", StringComparison.Ordinal))
                return int.Parse(line[(line.IndexOf('=') + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidDataException(".editorconfig states no max_line_length in its [*.cs] section.");
    }

    /// <summary>
    /// Every line of a <c>.cs</c> file under <paramref name="root"/>'s <paramref name="folders"/> longer than
    /// <paramref name="limit"/> characters, as "path:line (length)"; <c>bin</c> and <c>obj</c> folders are skipped.
    /// </summary>
    internal static List<string> LongLines(string root, IEnumerable<string> folders, int limit, out int files)
    {
        var found = new List<string>();
        files = 0;
        foreach (var folder in folders)
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories)
                .Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
                if (relative.Split('/').Any(part => part is "bin" or "obj")) continue;
                files++;
                var lines = File.ReadAllText(file).Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    var length = lines[i].TrimEnd('\r').EnumerateRunes().Count();
                    if (length > limit) found.Add($"{relative}:{i + 1} ({length} characters)");
                }
            }
        return found;
    }

    [Fact]
    public void Editorconfig_states_the_limit_at_150()
    {
        Assert.Equal(150, Limit());
    }

    [Fact]
    public void No_line_of_CSharp_is_longer_than_the_limit()
    {
        var limit = Limit();
        var found = LongLines(Repo.Root, Folders, limit, out var files);
        Assert.True(files > 200, $"only {files} C# files found: the check would see nothing");
        Assert.True(found.Count == 0, $"{found.Count} lines over {limit} characters (wrap them):\n" + string.Join("\n", found));
    }

    [Fact]
    public void A_long_line_is_named_by_file_and_line_and_build_output_is_skipped()
    {
        using var temp = Repo.Temp();
        Directory.CreateDirectory(temp.File("src/obj"));
        File.WriteAllText(temp.File("src/A.cs"), "class A\r\n{\r\n    // " + new string('x', 20) + "\r\n}\r\n");
        File.WriteAllText(temp.File("src/obj/Generated.cs"), new string('y', 40));
        // Characters, not UTF-16 units: a line of 12 runes, one outside the basic plane, is 12 long.
        File.WriteAllText(temp.File("src/B.cs"), "// é€ 😀 abcd\n");

        var found = LongLines(temp.Path, ["src"], 12, out var files);

        Assert.Equal(2, files);
        Assert.Equal(["src/A.cs:3 (27 characters)"], found);
    }
}
