using System.Text.Json.Nodes;
using PopHealth.Runner;

namespace PopHealth.Tests.Notebooks;

/// <summary>The executed copies kept in notebooks/rendered/ for reviewers.</summary>
[Trait("Category", "Notebook")]
public class RenderedNotebookTests
{
    public static TheoryData<string> Notebooks => new(RunnerOptions.Workbook);

    private static string Rendered(string name) => Repo.Path("notebooks", RenderedNotebooks.Folder, name + ".ipynb");

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Each_notebook_has_a_rendered_copy_of_its_current_text(string name)
    {
        var dib = Repo.Path("notebooks", name + ".dib");
        Assert.True(File.Exists(Rendered(name)), $"{Rendered(name)} is missing: run `dotnet run --project notebooks/Runner -- --refresh-rendered`.");
        Assert.True(RenderedNotebooks.StampedHash(Rendered(name)) == RenderedNotebooks.SourceHash(dib),
            $"{name}.dib changed since its rendered copy was made: run `dotnet run --project notebooks/Runner -- --refresh-rendered`.");
        var cells = JsonNode.Parse(File.ReadAllText(Rendered(name)))!["cells"]!.AsArray();
        Assert.DoesNotContain(cells.SelectMany(c => c!["outputs"] as JsonArray ?? []), o => (string?)o!["output_type"] == "error");
    }

    /// <summary>
    /// As a reviewer reads it on a code host: valid nbformat 4.5 (cell ids, execution counts), every table's rows in
    /// plain rows, an image/png beside every chart, no folder of the machine that ran it (<see cref="ReviewerChecks"/>).
    /// </summary>
    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Each_rendered_notebook_reads_right_without_scripts(string name)
    {
        Assert.True(File.Exists(Rendered(name)), $"{Rendered(name)} is missing: run `dotnet run --project notebooks/Runner -- --refresh-rendered`.");
        var problems = ReviewerChecks.Problems(Rendered(name));
        Assert.True(problems.Count == 0, $"{name}.ipynb:\n{string.Join("\n", problems)}");
    }

    [Theory]
    [InlineData("02-explore")]
    [InlineData("04-train")]
    [InlineData("06-infer")]
    public void Rendered_charts_carry_static_images(string name)
    {
        var text = File.ReadAllText(Rendered(name));
        var charts = System.Text.RegularExpressions.Regex.Count(text, "newPlot");
        var images = System.Text.RegularExpressions.Regex.Count(text, "data:image/png;base64");
        Assert.True(charts > 0 && images == charts, $"{charts} charts, {images} static images");
    }

    [Fact]
    public void A_kept_copy_imports_the_setup_from_its_parent_folder_as_jupyter_runs_it_there()
    {
        using var temp = Repo.Temp();
        File.WriteAllText(temp.File("n.dib"), "text");
        File.WriteAllText(temp.File("n.ipynb"), """
            {"cells": [{"cell_type": "code", "source": ["#!import _setup.dib\n", "var x = 1;"]},
                       {"cell_type": "code", "source": "#!import ../_setup.dib\nvar y = 2;"},
                       {"cell_type": "markdown", "source": ["#!import _setup.dib"]}], "metadata": {}}
            """);
        var kept = RenderedNotebooks.Keep(temp.File("n.ipynb"), temp.File("n.dib"), Directory.CreateDirectory(temp.File("rendered")).FullName);
        var cells = JsonNode.Parse(File.ReadAllText(kept))!["cells"]!.AsArray();
        Assert.Equal(["#!import ../_setup.dib\n", "var x = 1;"], cells[0]!["source"]!.AsArray().Select(l => (string)l!));
        Assert.Equal("#!import ../_setup.dib\nvar y = 2;", (string)cells[1]!["source"]!);
        Assert.Equal("#!import _setup.dib", (string)cells[2]!["source"]![0]!);
    }

    [Fact]
    public void The_hash_ignores_line_endings_and_sees_changes()
    {
        using var temp = Repo.Temp();
        File.WriteAllText(temp.File("a.dib"), "line 1\nline 2\n");
        File.WriteAllText(temp.File("b.dib"), "line 1\r\nline 2\r\n");
        File.WriteAllText(temp.File("c.dib"), "line 1\nline 3\n");
        Assert.Equal(RenderedNotebooks.SourceHash(temp.File("a.dib")), RenderedNotebooks.SourceHash(temp.File("b.dib")));
        Assert.NotEqual(RenderedNotebooks.SourceHash(temp.File("a.dib")), RenderedNotebooks.SourceHash(temp.File("c.dib")));
    }
}
