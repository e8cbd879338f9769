using System.Text.Json.Nodes;
using PopHealth.Runner;
using PopHealth.Workbook;

namespace PopHealth.Tests.Notebooks;

/// <summary>The reviewer checks catch what issue 16 found, and the runner's post-processing satisfies them.</summary>
[Trait("Category", "Unit")]
public class ReviewerChecksTests
{
    private const string Png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

    /// <summary>A notebook as dotnet-repl writes it: nbformat 4.5 declared, no cell ids, no execution counts.</summary>
    private static JsonObject Raw(string root, params JsonObject[] outputs) => new()
    {
        ["cells"] = new JsonArray(
            new JsonObject { ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = new JsonArray("# Title") },
            new JsonObject { ["cell_type"] = "code", ["execution_count"] = null, ["metadata"] = new JsonObject(),
                ["source"] = new JsonArray("parameters"), ["outputs"] = new JsonArray(outputs) }),
        ["metadata"] =
            new JsonObject { ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" } },
        ["nbformat"] = 4,
        ["nbformat_minor"] = 5,
    };

    private static JsonObject Display(string mime, string text) =>
        new() { ["output_type"] = "display_data", ["data"] = new JsonObject { [mime] = new JsonArray(text) }, ["metadata"] = new JsonObject() };

    private static string Chart() =>
        $"<div class=\"pophealth-static\"><img alt=\"chart\" src=\"data:image/png;base64,{Png}\"/></div><script>Plotly.newPlot('x', [])</script>";

    private static IReadOnlyList<string> Check(TempFolder temp, JsonObject notebook)
    {
        var path = temp.File("nb.ipynb");
        File.WriteAllText(path, notebook.ToJsonString());
        return ReviewerChecks.Problems(path);
    }

    [Fact]
    public void The_raw_kernel_output_fails_and_the_runners_copy_passes()
    {
        using var temp = Repo.Temp();
        var root = temp.File("checkout");
        var raw = Raw(root, Display("text/html", $"<table><tbody><tr style=\"display: none\"><td>{root}/data</td></tr></tbody></table>"),
            Display("text/html", Chart()));
        var problems = Check(temp, raw);
        Assert.Contains(problems, p => p.StartsWith("schema:", StringComparison.Ordinal) && p.Contains("id", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("execution_count null", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("hides rows", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains($"absolute path of the machine that ran it: {root}", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("chart without an image/png", StringComparison.Ordinal));

        var table = new[] { new { Variable = "POPHEALTH_DATA", Value = $"{root}/data" } }.ToDataFrame().ToHtmlTable();
        File.WriteAllText(temp.File("raw.ipynb"), Raw(root, Display("text/html", table), Display("text/html", Chart())).ToJsonString());
        var executed = ExecutedNotebook.Load(temp.File("raw.ipynb"));
        executed.AddChartImages();
        executed.HideMachinePaths(root, $"{root}/data");
        executed.NumberCells("01-convert");
        File.WriteAllText(temp.File("executed.ipynb"), executed.ToJson());
        Assert.Empty(ReviewerChecks.Problems(temp.File("executed.ipynb")));
    }

    [Theory]
    [InlineData("wrote /home/someone/brfss/data/interim/brfss.parquet", true)]
    [InlineData("C:\\Users\\someone\\data", true)]
    [InlineData("wrote &lt;data&gt;/interim/brfss.parquet and plots/roc.png", false)]
    [InlineData("SYNTHETIC DATA: generated <data>/raw/LLCP2024-sample.XPT", false)]
    [InlineData("fair/poor health, 1/63 fits, https://cdn.plot.ly/plotly-2.28.0.min.js, </td>", false)]
    public void Absolute_paths_are_told_from_relative_paths_urls_and_fractions(string text, bool flagged)
    {
        using var temp = Repo.Temp();
        var problems = Check(temp, Raw("", Display("text/plain", text)));
        Assert.Equal(flagged, problems.Any(p => p.Contains("absolute path", StringComparison.Ordinal)));
    }
}
