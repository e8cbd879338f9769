using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Ingest;
using PopHealth.Ingest.Census;
using PopHealth.Population;
using PopHealth.Population.SmallArea;

namespace PopHealth.Tests.Population;

/// <summary>The direct estimates on hand-made respondents: design, suppression, intervals, coverage and what a poor source gets.</summary>
[Trait("Category", "Unit")]
public class DirectEstimatorTests
{
    private static readonly GroupDimension[] NoGroups = [];

    private static RespondentTable Table(double?[] y, double?[]? w = null, double?[]? h = null, double?[]? state = null, int[]? years = null,
        GroupDimension[]? groups = null) =>
        new("hand-made", years ?? y.Select(_ => 2016).ToArray(), y, w, h, state, groups ?? NoGroups);

    private static PopulationEstimate Row(DirectEstimates e, string? abbr, string dim = "all", string value = "all", int year = 2016) =>
        Assert.Single(e.Rows, r => r.GeoAbbr == abbr && r.GroupDim == dim && r.GroupValue == value && r.Year == year);

    private static double?[] Repeat(double? value, int n) => Enumerable.Repeat(value, n).ToArray();

    [Fact]
    public void Suppression_shows_exactly_fifty_respondents_and_a_relative_standard_error_of_exactly_thirty_percent()
    {
        var options = new DirectEstimateOptions();
        Assert.Equal("fewer than 50 respondents (n = 49)", options.SuppressionReason(49, 0.5, 0.01));
        Assert.Null(options.SuppressionReason(50, 0.5, 0.01));
        Assert.Equal(0.3, 0.15 / 0.5); // exactly the limit
        Assert.Null(options.SuppressionReason(1000, 0.5, 0.15));
        Assert.Equal("relative standard error 30.0 % above 30 %", options.SuppressionReason(1000, 0.5, 0.15000001));
        Assert.Equal("estimate of 0 %: relative standard error undefined", options.SuppressionReason(1000, 0, 0));
        Assert.Null(new DirectEstimateOptions { MinRespondents = 10 }.SuppressionReason(10, 0.5, 0.01));
    }

    [Fact]
    public void A_state_of_fifty_respondents_is_shown_and_one_of_forty_nine_is_suppressed_keeping_n_and_population()
    {
        // Alabama: 50 respondents, 25 in fair or poor health; Alaska: 49. Weight 2 each, one stratum per state.
        var y = Enumerable.Range(0, 99).Select(i => (double?)(i % 2)).ToArray();
        var state = Enumerable.Range(0, 99).Select(i => (double?)(i < 50 ? 1 : 2)).ToArray();
        var e = DirectEstimator.Estimate(Table(y, Repeat(2, 99), state, state));
        var shown = Row(e, "AL");
        Assert.False(shown.Suppressed);
        Assert.Equal(50, shown.Value!.Value, 12);
        Assert.Equal((50L, 100.0), (shown.N!.Value, shown.Population!.Value));
        Assert.Equal(100 * Math.Sqrt(0.25 / 49), shown.Se!.Value, 12); // equal weights, one stratum: sqrt(p (1 − p) / (n − 1))
        var hidden = Row(e, "AK");
        Assert.True(hidden.Suppressed);
        Assert.Equal("fewer than 50 respondents (n = 49)", hidden.SuppressionReason);
        Assert.Equal((null, null, null, null), (hidden.Value, hidden.CiLow, hidden.CiHigh, hidden.Se));
        Assert.Equal((49L, 98.0), (hidden.N!.Value, hidden.Population!.Value));
        Assert.Equal("02", hidden.GeoFips);
    }

    [Fact]
    public void Weighted_estimates_are_percent_with_wald_intervals_clipped_at_zero()
    {
        double?[] y = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        double?[] w = [1, 3, 2, 1, 1, 2, 1, 3, 1, 5];
        var options = new DirectEstimateOptions { MinRespondents = 1, MaxRelativeStandardError = 100 };
        var row = Row(DirectEstimator.Estimate(Table(y, w), options), null);
        var expected = SurveyDesign.Create(w).Means(y, new int[10], 1)[0];
        Assert.Equal(100 / 20.0, row.Value!.Value, 12);
        Assert.Equal(100 * expected.StandardError, row.Se!.Value, 12);
        Assert.True(expected.Mean - options.Z * expected.StandardError < 0);
        Assert.Equal(0, row.CiLow);
        Assert.Equal(100 * (expected.Mean + 1.959963984540054 * expected.StandardError), row.CiHigh!.Value, 9);
        Assert.Equal(20, row.Population);
    }

    [Fact]
    public void A_source_without_weights_gets_unweighted_estimates_with_wilson_intervals_and_no_population_or_coverage()
    {
        var y = Enumerable.Range(0, 80).Select(i => (double?)(i < 20 ? 1 : 0)).Append(null).ToArray();
        var e = DirectEstimator.Estimate(Table(y, state: Repeat(29, 81)));
        var row = Row(e, "MO");
        Assert.Equal(25, row.Value!.Value, 12);
        Assert.Equal(100 * Math.Sqrt(0.25 * 0.75 / 80), row.Se!.Value, 12);
        var (low, high) = Exploration.Wilson(20, 80, 1.959963984540054);
        Assert.Equal(100 * low, row.CiLow!.Value, 12);
        Assert.Equal(100 * high, row.CiHigh!.Value, 12);
        Assert.Equal((80L, null, null, null), (row.N!.Value, row.Population, row.Coverage, row.Partial));
        Assert.Equal(PopulationEstimate.Direct, row.Method);
        var design = Assert.Single(e.Designs);
        Assert.False(design.Weighted);
        Assert.Contains("unweighted", design.Design);
        Assert.Empty(e.Coverage);
    }

    [Fact]
    public void A_source_without_states_gets_the_all_rows_only_and_an_unknown_state_code_is_named()
    {
        var y = Enumerable.Range(0, 60).Select(i => (double?)(i % 3 == 0 ? 1 : 0)).ToArray();
        var noState = DirectEstimator.Estimate(Table(y, Repeat(1, 60)));
        Assert.All(noState.Rows, r => Assert.Equal(PopulationEstimate.AllLevel, r.GeoLevel));
        var codes = y.Select((_, i) => (double?)(i < 57 ? 6 : i < 59 ? 99 : null)).ToArray();
        var e = DirectEstimator.Estimate(Table(y, Repeat(1, 60), state: codes));
        Assert.Contains(e.Statements, s => s.Contains("_STATE code 99 (2 respondents) is not a US state or territory code"));
        Assert.Contains(e.Statements, s => s.Contains("1 respondents have no _STATE"));
        Assert.Equal(["CA"], e.Rows.Where(r => r.GeoLevel == PopulationEstimate.StateLevel).Select(r => r.GeoAbbr).Distinct());
        Assert.Equal(60, Row(e, null).N);
        Assert.Equal(57, Row(e, "CA").N);
    }

    [Fact]
    public void Coverage_flags_a_partial_state_on_every_row_and_says_when_the_census_has_no_figure()
    {
        var census = CensusPopulation.Shipped;
        double alabama = census.Adults(2016, 1).Adults, delaware = census.Adults(2016, 10).Adults;
        // 100 respondents each: Alabama's weights cover half its adults, Delaware's all, Guam's are unknown to the Census.
        var state = Enumerable.Range(0, 300).Select(i => (double?)(i < 100 ? 1 : i < 200 ? 10 : 66)).ToArray();
        var w = state.Select(s => (double?)(s == 1 ? alabama / 200 : s == 10 ? delaware / 100 : 50)).ToArray();
        var y = state.Select((_, i) => (double?)(i % 4 == 0 ? 1 : 0)).ToArray();
        var sex = new GroupDimension("sex", ["male", "female"], y.Select((_, i) => i % 2 == 0 ? "male" : "female").ToArray(), "_SEX");
        var e = DirectEstimator.Estimate(Table(y, w, state, state, groups: [sex]));
        Assert.All(e.Rows.Where(r => r.GeoAbbr == "AL"), r => Assert.Equal((0.5, true), (Math.Round(r.Coverage!.Value, 12), r.Partial!.Value)));
        Assert.All(e.Rows.Where(r => r.GeoAbbr == "DE"), r => Assert.Equal((1.0, false), (Math.Round(r.Coverage!.Value, 12), r.Partial!.Value)));
        Assert.All(e.Rows.Where(r => r.GeoAbbr == "GU"), r => Assert.Equal((null, null), (r.Coverage, r.Partial)));
        Assert.Equal(3, e.Rows.Count(r => r.GeoAbbr == "AL"));
        Assert.Contains(e.Statements, s => s.Contains("Guam") && s.Contains("no population estimate for Guam"));
        Assert.Contains(e.Statements, s => s.Contains("1 partial state(s)") && s.Contains("AL 0.500"));
        // All respondents: Alabama's and Delaware's weights (not Guam's) over the United States' adults.
        var all = Assert.Single(e.Coverage, c => c.GeoLevel == PopulationEstimate.AllLevel);
        Assert.Equal((alabama / 2 + delaware) / census.Adults(2016, 0).Adults, all.Coverage!.Value, 12);
        var later = DirectEstimator.Estimate(Table(y, w, state, state, years: y.Select(_ => 2024).ToArray()));
        Assert.All(later.Rows, r => Assert.Null(r.Coverage));
        Assert.Contains(later.Statements,
            s => s.StartsWith("2024: the Census tables shipped here have no adults for 2024", StringComparison.Ordinal));
    }

    [Fact]
    public void Crossings_name_both_levels_and_a_malformed_crossing_is_refused()
    {
        var y = Enumerable.Range(0, 8).Select(i => (double?)(i % 2)).ToArray();
        var sex = new GroupDimension("sex", ["male", "female"], ["male", "female", "male", "female", "male", "female", null, "male"], "_SEX");
        var age = new GroupDimension("age", AgeBand.Report.Select(b => b.Label).ToArray(),
            ["18-24", "18-24", "65+", "65+", "18-24", null, "18-24", "65+"], "_AGEG5YR");
        var e = DirectEstimator.Estimate(Table(y, Repeat(1, 8), groups: [sex, age]), new DirectEstimateOptions { MinRespondents = 1 });
        var cells = e.Rows.Where(r => r.GroupDim == "sex x age").ToDictionary(r => r.GroupValue, r => r.N);
        Assert.Equal(new Dictionary<string, long?> { ["male x 18-24"] = 2, ["male x 65+"] = 2, ["female x 18-24"] = 1, ["female x 65+"] = 1 }, cells);
        Assert.Contains(e.Statements, s => s.Contains("'sex x income' not estimated"));
        var error = Assert.Throws<ArgumentException>(() =>
            DirectEstimator.Estimate(Table(y, groups: [sex, age]), new DirectEstimateOptions { Crossings = ["sex + age"] }));
        Assert.Contains("Crossing 'sex + age'", error.Message);
    }

    [Fact]
    public void Each_survey_year_is_estimated_alone_even_when_stratum_codes_repeat()
    {
        double?[] y = [1, 0, 0, 1, 1, 0, 1, 1, 0, 0];
        double?[] w = [1, 2, 1, 3, 2, 1, 2, 1, 1, 2];
        double?[] h = [7, 7, 8, 8, 8, 7, 7, 8, 8, 8];
        int[] years = [2022, 2022, 2022, 2022, 2022, 2023, 2023, 2023, 2023, 2023];
        var options = new DirectEstimateOptions { MinRespondents = 1, MaxRelativeStandardError = 100 };
        var both = DirectEstimator.Estimate(Table(y, w, h, years: years), options);
        Assert.Equal([2022, 2023], both.Designs.Select(d => d.Year));
        foreach (var year in new[] { 2022, 2023 })
        {
            var rows = Enumerable.Range(0, 10).Where(i => years[i] == year).ToArray();
            var alone = Row(DirectEstimator.Estimate(Table(rows.Select(i => y[i]).ToArray(), rows.Select(i => w[i]).ToArray(),
                rows.Select(i => h[i]).ToArray(), years: rows.Select(_ => year).ToArray()), options), null, year: year);
            Assert.Equal(alone, Row(both, null, year: year));
        }
    }

    private static BrfssTable Interim(params (string Name, double?[] Values)[] columns) =>
        new(new DataFrame(columns.Select(c => (DataFrameColumn)new DoubleDataFrameColumn(c.Name, c.Values))), BrfssYearProfile.Llcp2016, false,
            "interim.parquet");

    [Fact]
    public void The_interim_tables_cdc_codes_become_the_outcome_and_groups()
    {
        var table = RespondentTable.FromInterim(Interim(
            ("_RFHLTH", [1, 2, 9, null]), ("_AGEG5YR", [1, 3, 13, 14]), ("_SEX", [1, 2, 9, 2]), ("INCOME2", [1, 8, 77, 5]), ("_INCOMG", [1, 5, 9, 3]),
            ("_EDUCAG", [1, 4, 9, 2]), ("_LLCPWT", [10, 20, 30, 40]), ("_STSTR", [11011, 11011, 11012, 11012]), ("_STATE", [1, 1, 1, 1])));
        Assert.Equal([0, 1, null, null], table.FairPoor);
        string[] Values(string name) => table.Groups.Single(g => g.Name == name).Values.Select(v => v ?? "(unknown)").ToArray();
        Assert.Equal(["18-24", "25-34", "65+", "(unknown)"], Values("age"));
        Assert.Equal(["male", "female", "(unknown)", "female"], Values("sex"));
        Assert.Equal(["under $15k", "$75k+", "(unknown)", "$25k-35k"], Values("income")); // INCOME2 (the 2016 profile's), its finer top kept
        Assert.Equal(["no high-school diploma", "college graduate", "(unknown)", "high school"], Values("education"));
        Assert.Equal([2016, 2016, 2016, 2016], table.Year);
        Assert.Empty(table.Notes);
    }

    [Fact]
    public void Without_EDUCAG_the_direct_and_small_area_estimates_fold_EDUCA_into_the_same_four_levels()
    {
        var interim = Interim(("EDUCA", [1, 3, 4, 5, 6, 9, null, 2.5]), ("_RFHLTH", [1, 2, 1, 2, 1, 2, 1, 2]), ("_STATE", [1, 1, 1, 1, 2, 2, 2, 2]),
            ("_AGEG5YR", [1, 2, 3, 4, 5, 6, 7, 8]), ("_SEX", [1, 2, 1, 2, 1, 2, 1, 2]), ("INCOME2", [1, 2, 3, 4, 5, 6, 7, 8]),
            ("_LLCPWT", [1, 1, 1, 1, 1, 1, 1, 1]));
        int?[] expected = [1, 1, 2, 3, 4, null, null, null];
        Assert.Equal(expected, SmallAreaRespondents.FromBrfss(interim, CellScheme.For(interim.Profile)).Select(r => r.Education));
        var direct = RespondentTable.FromInterim(interim).Groups.Single(g => g.Name == "education");
        Assert.Equal("EDUCA", direct.Source);
        Assert.Equal(expected.Select(l => l is { } level ? RespondentGroups.EducationLevels[level - 1] : null), direct.Values);
    }

    [Fact]
    public void A_source_without_weights_strata_states_or_groups_says_what_is_missing_and_still_estimates()
    {
        var table = RespondentTable.FromInterim(Interim(("GENHLTH", [1, 4, 5, 7, 3])));
        Assert.Equal([0, 1, 1, null, 0], table.FairPoor);
        Assert.Contains(table.Notes, n => n.StartsWith("No _RFHLTH: fair or poor health derived from GENHLTH", StringComparison.Ordinal));
        Assert.Contains(table.Notes, n => n.StartsWith("No survey weight (_LLCPWT)", StringComparison.Ordinal));
        Assert.Contains(table.Notes, n => n.StartsWith("No state (_STATE)", StringComparison.Ordinal));
        Assert.Contains(table.Notes, n => n.StartsWith("No age", StringComparison.Ordinal));
        Assert.Contains(table.Notes, n => n.StartsWith("No income variable", StringComparison.Ordinal));
        var e = DirectEstimator.Estimate(table, new DirectEstimateOptions { MinRespondents = 1, MaxRelativeStandardError = 1 });
        var row = Assert.Single(e.Rows);
        Assert.Equal((PopulationEstimate.AllLevel, 50.0, 4L), (row.GeoLevel, row.Value!.Value, row.N!.Value));
        Assert.Equal(table.Notes, e.Statements.Take(table.Notes.Count));
        var weightedOnly = RespondentTable.FromInterim(Interim(("_RFHLTH", [1, 2]), ("_LLCPWT", [1, 2])));
        Assert.Contains(weightedOnly.Notes, n => n.StartsWith("Weights but no strata (_STSTR)", StringComparison.Ordinal));
        var none = Assert.Throws<InvalidDataException>(() => RespondentTable.FromInterim(Interim(("_AGEG5YR", [1, 2]))));
        Assert.Contains("interim.parquet: no _RFHLTH or GENHLTH column", none.Message);
    }

    [Fact]
    public void Income_bands_keep_the_finer_top_each_variable_has()
    {
        string[] Labels(IReadOnlyList<IncomeBracket> brackets) => RespondentGroups.IncomeBands(brackets).Select(b => b.Label).Distinct().ToArray();
        Assert.Equal(["under $15k", "$15k-25k", "$25k-35k", "$35k-50k", "$50k-75k", "$75k+"], Labels(BrfssYearProfile.Llcp2016.IncomeBrackets));
        Assert.Equal(["under $15k", "$15k-25k", "$25k-35k", "$35k-50k", "$50k-75k", "$75k-100k", "$100k+"],
            Labels(BrfssYearProfile.Llcp2024.IncomeBrackets));
        Assert.Equal(["under $15k", "$15k-25k", "$25k-35k", "$35k-50k", "$50k-100k", "$100k+"],
            Labels(BrfssYearProfile.National2024Grouped.IncomeBrackets));
    }
}
