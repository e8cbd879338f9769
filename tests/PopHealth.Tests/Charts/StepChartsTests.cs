using System.Text.Json.Nodes;
using PopHealth.Charts;
using PopHealth.Modeling;
using PopHealth.Scoring;
using PopHealth.Steps;

namespace PopHealth.Tests.Charts;

/// <summary>
/// The charts a reader has to be able to read at their rendered size (issue 16). Draws with the process's browser, so
/// beside the tests that change it.
/// </summary>
[Collection("environment")]
[Trait("Category", "Unit")]
public sealed class StepChartsTests : IDisposable
{
    /// <summary>A test host may be stopped without the exit handlers running: no browser is left behind.</summary>
    public void Dispose() => StaticImages.CloseBrowser();

    /// <summary>Two test sets with almost the same scores: their ROC curves nearly coincide, as 04's do.</summary>
    private static IReadOnlyList<TestReport> Tests()
    {
        var random = new Random(16);
        var labels = Enumerable.Range(0, 2000).Select(_ => random.NextDouble() < 0.2).ToArray();
        var scores = labels.Select(l => Math.Clamp((l ? 0.45 : 0.2) + (random.NextDouble() - 0.5) * 0.5, 0, 1)).ToArray();
        return [Evaluation.Evaluate("held-out test", scores, labels, 0.3),
            Evaluation.Evaluate("test, survey-weighted", scores.Select(s => Math.Min(1, s * 1.01)).ToArray(), labels, 0.3)];
    }

    private static JsonNode Layout(Chart chart) => JsonNode.Parse(chart.FigureJson)!["layout"]!;

    [Fact]
    public void Roc_and_reliability_put_the_legend_below_a_full_width_plot_and_tell_the_curves_apart()
    {
        foreach (var chart in new[] { TrainingCharts.Roc(Tests()), TrainingCharts.Reliability(Tests()) })
        {
            var legend = Layout(chart)["legend"]!;
            Assert.Equal("h", (string?)legend["orientation"]);
            Assert.True((double)legend["y"]! < 0, $"{chart.Title}: the legend sits below the plot");
            var curves = chart.Traces.Select(t => t!["line"]!).ToArray();
            Assert.Equal(3, curves.Length);
            Assert.Equal(3, curves.Select(l => (string?)l["color"]).Distinct().Count());
            Assert.Equal(3, curves.Select(l => (string?)l["dash"]).Distinct().Count());
            Assert.True((double)curves[0]["width"]! > (double)curves[1]["width"]!,
                "the first curve is drawn wider, so one on top of it leaves it visible");
            Assert.Equal("dot", (string?)curves[2]["dash"]); // the diagonal
        }
        var markers = TrainingCharts.Reliability(Tests()).Traces.Take(2).Select(t => (string?)t!["marker"]!["symbol"]).ToArray();
        Assert.NotEqual(markers[0], markers[1]);
    }

    [Fact]
    public void Drivers_are_coloured_about_zero_red_raising_blue_lowering()
    {
        Driver D(string id, double p, string feature, double contribution) => new(id, p, feature, 1, contribution);
        var chart = ScoringCharts.Drivers([
            D("1", 0.9, "smoking", 0.12), D("1", 0.9, "age group", 0.05), D("2", 0.8, "smoking", 0.02), D("2", 0.8, "income", -0.03),
        ]);
        var heatmap = Assert.Single(chart.Traces)!;
        Assert.Equal(0, (double)heatmap["zmid"]!);
        Assert.Equal(-(double)heatmap["zmax"]!, (double)heatmap["zmin"]!);
        Assert.Equal(0.12, (double)heatmap["zmax"]!, 10);
        var scale = heatmap["colorscale"]!.AsArray();
        var (low, high) = ((string)scale[0]![1]!, (string)scale[^1]![1]!);
        Assert.True(Blue(low) && !Blue(high), $"low {low} should be blue and high {high} red");
        Assert.Contains("red raises", chart.Title);
        var text = heatmap["text"]!.AsArray().Select(row => row!.AsArray().Select(c => (string)c!).ToArray()).ToArray();
        Assert.Equal(["+12.0%", "+5.0%", ""], text[0]); // respondent 1: smoking, age group, no income driver (blank, not "0")
        Assert.Equal(["+2.0%", "", "-3.0%"], text[1]);
    }

    private static bool Blue(string hex) => Convert.ToInt32(hex[5..7], 16) > Convert.ToInt32(hex[1..3], 16);

    [Fact]
    public void Roc_reliability_and_drivers_charts_draw_when_chromium_is_installed()
    {
        if (StaticImages.Browser is null) return; // covered by the figure tests above
        using var temp = Repo.Temp();
        var folder = temp.Path;
        var roc = TrainingCharts.Roc(Tests()).SavePng(Path.Combine(folder, "roc.png"));
        var reliability = TrainingCharts.Reliability(Tests()).SavePng(Path.Combine(folder, "reliability.png"));
        Driver D(string id, double p, string feature, double contribution) => new(id, p, feature, 1, contribution);
        var drivers = ScoringCharts.Drivers([D("1", 0.9, "smoking", 0.12), D("2", 0.8, "income", -0.03)])
            .SavePng(Path.Combine(folder, "drivers.png"));
        Assert.All(new[] { roc, reliability, drivers },
            png => Assert.True(new FileInfo(png!).Length > 10_000, $"{png}: a drawn chart, not an empty plot"));
    }

    [Fact]
    public void The_report_puts_both_estimates_of_a_state_side_by_side_and_stars_partial_states_everywhere()
    {
        var rows = Population.DashboardRows.Rows;
        var states = ReportCharts.States(rows);
        Assert.Equal(["California", "Maryland*", "Missouri"], states.Select(s => s.State));
        Assert.Contains("partial sample", states[1].Note);
        var comparison = ReportCharts.ModelAgainstDirect(states);
        Assert.Equal("group", (string)Layout(comparison)["barmode"]!); // side by side, not one bar over the other
        Assert.Equal(["direct", "model-based"], comparison.Traces.Select(t => (string)t!["name"]!));
        var maps = ReportCharts.StateMaps(rows, synthetic: true);
        Assert.Equal(2, maps.Count);
        Assert.Contains("model-based", maps[0].Title);
        Assert.Contains("SYNTHETIC", maps[1].Title);
        var direct = maps[1].Traces[1]!; // the coloured tiles of the direct map
        Assert.Contains(direct["text"]!.AsArray().SelectMany(r => r!.AsArray()), t => (string)t! == "MD*<br>12.1");
        var modelScale = ((double)maps[0].Traces[1]!["zmin"]!, (double)maps[0].Traces[1]!["zmax"]!);
        Assert.Equal(modelScale, ((double)direct["zmin"]!, (double)direct["zmax"]!)); // one scale
    }
}
