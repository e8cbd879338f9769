using System.Runtime.Loader;
using System.Text.Json.Nodes;
using PopHealth.Charts;

namespace PopHealth.Tests.Charts;

[Trait("Category", "Unit")]
public class ChartTests
{
    private static Chart Sample() => Plots.Lines("Sweep", [new LineSeries("GBT depth 4", [20, 40, 60], [0.81, 0.83, 0.84])],
        new ChartLayout(XTitle: "iterations", YTitle: "CV AUC"));

    [Fact]
    public void Lines_carry_their_data_and_axis_titles()
    {
        var chart = Sample();
        var trace = Assert.Single(chart.Traces)!.AsObject();
        Assert.Equal("scatter", (string?)trace["type"]);
        Assert.Equal("GBT depth 4", (string?)trace["name"]);
        Assert.Equal([20.0, 40.0, 60.0], trace["x"]!.AsArray().Select(v => (double)v!));
        var layout = JsonNode.Parse(chart.FigureJson)!["layout"]!;
        Assert.Equal("iterations", (string?)layout["xaxis"]!["title"]!["text"]);
        Assert.Equal("CV AUC", (string?)layout["yaxis"]!["title"]!["text"]);
    }

    [Fact]
    public void Bars_with_intervals_become_asymmetric_error_bars()
    {
        var chart = Plots.Bars("Prevalence", [new BarSeries("fair/poor", ["MO", "KS"], [0.2, 0.1], Lower: [0.15, 0.08], Upper: [0.3, 0.11])]);
        var error = chart.Traces[0]!["error_y"]!;
        Assert.Equal([0.1, 0.01], error["array"]!.AsArray().Select(v => Math.Round((double)v!, 10)));
        Assert.Equal([0.05, 0.02], error["arrayminus"]!.AsArray().Select(v => Math.Round((double)v!, 10)));
    }

    [Fact]
    public void Non_finite_values_become_gaps_not_invalid_json()
    {
        var chart = Plots.Bar("gaps", ["a", "b"], [double.NaN, 1]);
        Assert.Null(chart.Traces[0]!["y"]![0]);
        Assert.Contains("<div", chart.ToInlineHtml());
    }

    [Theory]
    [InlineData("lines")]
    [InlineData("bars")]
    [InlineData("heatmap")]
    public void Mismatched_lengths_are_rejected_with_the_series_named(string kind)
    {
        var error = Assert.Throws<ArgumentException>(() => kind switch
        {
            "lines" => Plots.Lines("t", [new LineSeries("s1", [1, 2], [1])]),
            "bars" => Plots.Bar("b1", ["a"], [1, 2]),
            _ => Plots.Heatmap("h", ["x"], ["r1", "r2"], [[1]]),
        });
        Assert.Matches("s1|b1|heatmap", error.Message);
    }

    [Fact]
    public void Renders_through_plotly_net_in_an_isolated_load_context()
    {
        var html = Sample().ToInlineHtml();
        Assert.Contains("Plotly chart will be drawn", html);
        Assert.Contains("GBT depth 4", html);

        var adapter = AssemblyLoadContext.All.SelectMany(c => c.Assemblies.Select(a => (Context: c, Assembly: a)))
            .Single(x => x.Assembly.GetName().Name == PlotlyHost.AdapterAssembly);
        Assert.NotSame(AssemblyLoadContext.Default, adapter.Context);
        var fsharp = adapter.Context.Assemblies.Single(a => a.GetName().Name == "FSharp.Core");
        Assert.True(fsharp.GetName().Version >= new Version(10, 1), $"adapter runs on FSharp.Core {fsharp.GetName().Version}");
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name is "Plotly.NET" or "FSharp.Core");
    }

    [Fact]
    public void Saved_html_is_a_standalone_page_that_embeds_plotly_js()
    {
        using var temp = Repo.Temp();
        var path = Sample().SaveHtml(temp.File("plots/sweep.html"));
        var html = File.ReadAllText(path);
        Assert.StartsWith("<!DOCTYPE html>", html.TrimStart(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script src=\"https://cdn.plot.ly", html);
        Assert.True(html.Length > 1_000_000, "plotly.js should be embedded so the page works offline");
    }

    [Fact]
    public void Tiles_place_labels_and_values_on_a_grid_and_draw_tiles_without_a_value_in_grey()
    {
        var chart = Plots.Tiles("map", [new Tile(0, 0, "AK", 13.8), new Tile(1, 2, "MD", 12.7, Flagged: true), new Tile(1, 0, "GU", double.NaN)], "%",
            note: "a note");
        var (missing, valued) = (chart.Traces[0]!, chart.Traces[1]!);
        Assert.Equal("AK<br>13.8", (string)valued["text"]![0]![0]!);
        Assert.Equal("MD*<br>12.7", (string)valued["text"]![1]![2]!); // a flagged tile is starred
        Assert.Equal("GU<br>–", (string)valued["text"]![1]![0]!);
        Assert.Equal(12.7, (double)valued["z"]![1]![2]!);
        Assert.Null(valued["z"]![1]![0]); // no value: not coloured by the scale ...
        Assert.Equal(0, (double)missing["z"]![1]![0]!); // ... but drawn, in grey
        Assert.Null(missing["z"]![0]![0]);
        Assert.Equal((12.0, 14.0), ((double)valued["zmin"]!, (double)valued["zmax"]!));
        Assert.Contains("a note", JsonNode.Parse(chart.FigureJson)!["layout"]!["annotations"]![0]!["text"]!.ToString());
        Assert.Throws<ArgumentException>(() => Plots.Tiles("map", [new Tile(0, 0, "A", 1), new Tile(0, 0, "B", 2)], "%"));
    }

    [Fact]
    public void The_embedded_plotly_js_and_its_licence_are_available_for_offline_pages()
    {
        var script = PlotlyHost.PlotlyJs();
        Assert.True(script.Length > 1_000_000, $"plotly.js is {script.Length} characters");
        Assert.Contains("newPlot", script);
        Assert.Contains("MIT", PlotlyHost.PlotlyJs(licence: true));
        Assert.Contains(script, Sample().ToHtmlDocument(PlotlyScript.Embedded)); // the same build the saved pages embed
    }

    [Fact]
    public void Inline_html_loads_plotly_through_require_and_cdn_pages_stay_small()
    {
        Assert.Contains("requirejs.config", Sample().ToInlineHtml());
        var page = Sample().ToHtmlDocument(PlotlyScript.Cdn);
        Assert.Contains("<script src=\"https://cdn.plot.ly/plotly-2.28.0.min.js\"", page);
        Assert.True(page.Length < 100_000);
    }
}
