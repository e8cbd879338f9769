using System.Text.RegularExpressions;
using PopHealth.Workbook;

namespace PopHealth.Tests.Workbook;

/// <summary>
/// Every POPHEALTH_* variable is listed once in <see cref="WorkbookVariables"/>, documented (README or
/// docs/testing.md), and no other name is read.
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class WorkbookVariablesTests
{
    [GeneratedRegex(@"POPHEALTH_[A-Z_]*[A-Z]")]
    private static partial Regex VariableName();

    [Fact]
    public void Each_variable_is_listed_once()
    {
        var names = WorkbookVariables.All.Select(v => v.Name).ToArray();
        Assert.Equal(names.Length, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches(VariableName(), n));
    }

    /// <summary>Run parameters are in the README's "Parameters" table; tool and test settings in docs/testing.md's.</summary>
    [Fact]
    public void Every_variable_is_documented_in_a_table_row_where_its_reader_looks()
    {
        var readme = File.ReadAllLines(Repo.Path("README.md"));
        var testing = File.ReadAllLines(Repo.Path("docs", "testing.md"));
        Assert.All(WorkbookVariables.All, v => Assert.Contains(v.Parameter ? readme : testing,
            line => line.StartsWith($"| `{v.Name}` |", StringComparison.Ordinal)));
    }

    [Fact]
    public void No_code_or_notebook_names_a_variable_the_catalog_lacks()
    {
        var known = WorkbookVariables.All.Select(v => v.Name).ToHashSet();
        var files = new[] { "lib", "notebooks", "tests", "benchmarks", "crosschecks", "studies", "fuzz", "tools" }
            .SelectMany(d => Directory.EnumerateFiles(Repo.Path(d), "*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".dib", StringComparison.Ordinal)
                || f.EndsWith(".sh", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .ToArray();
        Assert.NotEmpty(files);
        var unknown = files.SelectMany(f => VariableName().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), m.Value)))
            .Where(u => !known.Contains(u.Value) && u.Value != "POPHEALTH_").Distinct().ToArray();
        Assert.True(unknown.Length == 0, "Not in WorkbookVariables.All: " + string.Join(", ", unknown.Select(u => $"{u.Value} ({u.File})")));
    }
}
