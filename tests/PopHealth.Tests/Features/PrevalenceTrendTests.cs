using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Steps;
using PopHealth.Workbook;

namespace PopHealth.Tests.Features;

/// <summary>02's prevalence by survey year and by interview month: the estimates, their intervals and the chart's inputs.</summary>
[Trait("Category", "Unit")]
public class PrevalenceTrendTests
{
    private static FeatureSet Set(double?[] target, (string Name, double?[] Values)[] columns)
    {
        var frame = new DataFrame(new Int64DataFrameColumn(FeatureSet.RespondentId, Enumerable.Range(1, target.Length).Select(i => (long)i)),
            new DoubleDataFrameColumn("x", target.Select(_ => (double?)1)), new DoubleDataFrameColumn(FeatureSet.Target, target));
        foreach (var (name, values) in columns) frame.Columns.Add(new DoubleDataFrameColumn(name, values));
        return new FeatureSet(Recipe.Improved, "test", frame, [new FeatureDefinition("x", "X", "test")], [], synthetic: true);
    }

    [Fact]
    public void Domains_that_cut_across_strata_have_the_standard_errors_of_r_survey()
    {
        // R 4 survey 4.1: svyby(~y, ~g, svydesign(ids = ~1, strata = ~h, weights = ~w, data = d), svymean).
        double?[] y = [1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1];
        double?[] w = [2, 1, 3, 1.5, 2, 4, 1, 2.5, 3, 1, 2, 1, 2, 3, 1];
        double?[] h = [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3];
        string?[] g = ["1", "2", "1", "2", "3", "1", "1", "2", "3", "3", "2", "1", "3", "2", "1"];
        var estimates = SurveyEstimates.Prevalence(y, w, g, h);
        Assert.Equal([1 / 3.0, 0.15, 0.75], estimates.Select(e => e.Prevalence), new ToleranceComparer(1e-12));
        Assert.Equal([0.200308404192444, 0.145236875482778, 0.217631066831002], estimates.Select(e => e.StandardError), new ToleranceComparer(1e-12));
        Assert.Equal([6L, 5, 4], estimates.Select(e => e.Respondents));
    }

    [Fact]
    public void Unweighted_prevalence_by_year_counts_each_respondent_once_with_wilson_intervals_in_year_order()
    {
        double?[] years = [2024, 2022, 2022, 2023, 2024, 2024, 2022, null];
        var set = Set([1, 0, 1, 0, 1, 0, 0, 1], [(FeatureSet.SurveyYear, years)]);
        var series = SurveyEstimates.FairPoorByYear(set)!;
        Assert.False(series.Weighted);
        Assert.Contains("unweighted", series.Method);
        Assert.Equal(["2022", "2023", "2024"], series.Groups.Select(g => g.Group));
        Assert.Equal([3L, 1, 3], series.Groups.Select(g => g.Respondents));
        Assert.Equal([1 / 3.0, 0, 2 / 3.0], series.Groups.Select(g => g.Prevalence));
        Assert.Equal(1, series.Unknown);
        var (lower, upper) = Exploration.Wilson(2, 3);
        Assert.Equal((lower, upper), (series.Groups[2].Lower, series.Groups[2].Upper));
        Assert.Null(SurveyEstimates.FairPoorByYear(Set([1, 0], [(FeatureSet.SurveyYear, [2024, 2024])]))); // one year: no trend
        Assert.Null(SurveyEstimates.FairPoorByYear(Set([1, 0], [])));
    }

    [Fact]
    public void Weighted_prevalence_by_year_keeps_each_years_strata_apart()
    {
        // The same stratum code in two years is two strata: each year's estimate equals that year estimated alone.
        double?[] y = [1, 0, 0, 1, 1, 0, 1, 1, 0, 0];
        double?[] w = [1, 2, 1, 3, 2, 1, 2, 1, 1, 2];
        double?[] h = [7, 7, 8, 8, 8, 7, 7, 8, 8, 8];
        double?[] year = [2023, 2023, 2023, 2023, 2023, 2024, 2024, 2024, 2024, 2024];
        var set = Set(y, [(FeatureSet.SurveyYear, year), (FeatureSet.Weight, w), (FeatureSet.Stratum, h)]);
        var series = SurveyEstimates.FairPoorByYear(set)!;
        Assert.True(series.Weighted);
        Assert.Contains("survey-weighted", series.Method);
        foreach (var (group, k) in series.Groups.Select((g, k) => (g, k)))
        {
            var rows = Enumerable.Range(0, y.Length).Where(i => year[i] == group.Value).ToArray();
            var alone = Assert.Single(SurveyEstimates.Prevalence(rows.Select(i => y[i]).ToArray(), rows.Select(i => w[i]).ToArray(),
                rows.Select(_ => (string?)"all").ToArray(), rows.Select(i => h[i]).ToArray()));
            Assert.Equal(alone.Prevalence, group.Prevalence, 12);
            Assert.Equal(alone.Lower, group.Lower, 12);
            Assert.Equal(alone.Upper, group.Upper, 12);
            Assert.Equal(5, group.Respondents);
        }
    }

    [Fact]
    public void Month_prevalence_is_named_and_ordered_by_month_and_absent_without_a_month()
    {
        double?[] month = [12, 1, 2, 1, 12, 2, 10];
        var series = SurveyEstimates.FairPoorByMonth(Set([1, 0, 1, 1, 0, 0, 1], [(FeatureSet.InterviewMonth, month)]))!;
        Assert.Equal(["Jan", "Feb", "Oct", "Dec"], series.Groups.Select(g => g.Group));
        Assert.Equal([0.5, 0.5, 1, 0.5], series.Groups.Select(g => g.Prevalence));
        Assert.Null(SurveyEstimates.FairPoorByMonth(Set([1, 0], [])));
    }

    [Fact]
    public void The_chart_shows_shares_with_their_intervals_over_counts_and_says_whether_weighted()
    {
        var series = SurveyEstimates.FairPoorByYear(Set([1, 0, 1, 1, 0], [(FeatureSet.SurveyYear, [2022, 2022, 2023, 2023, 2023])]))!;
        var chart = ExploreCharts.PrevalenceBy(series, "survey year");
        Assert.Contains("unweighted", chart.Title);
        var (share, counts) = (chart.Traces[0]!, chart.Traces[1]!);
        Assert.Equal(["2022", "2023"], share["x"]!.AsArray().Select(v => (string)v!));
        Assert.Equal([0.5, 2 / 3.0], share["y"]!.AsArray().Select(v => (double)v!));
        Assert.Equal([2.0, 3.0], counts["y"]!.AsArray().Select(v => (double)v!));
        var error = share["error_y"]!;
        Assert.Equal(series.Groups.Select(g => g.Upper - g.Prevalence), error["array"]!.AsArray().Select(v => (double)v!),
            new ToleranceComparer(1e-12));
        Assert.Equal(series.Groups.Select(g => g.Prevalence - g.Lower), error["arrayminus"]!.AsArray().Select(v => (double)v!),
            new ToleranceComparer(1e-12));
        var weighted = SurveyEstimates.FairPoorByYear(Set([1, 0, 1, 1],
            [(FeatureSet.SurveyYear, [2022, 2022, 2023, 2023]), (FeatureSet.Weight, [1, 2, 1, 1])]))!;
        Assert.Contains("survey-weighted", ExploreCharts.PrevalenceBy(weighted, "survey year").Title);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
