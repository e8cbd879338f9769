using PopHealth.Ingest;
using Microsoft.Data.Analysis;
using PopHealth.Steps;
using PopHealth.Features;
using PopHealth.Ingest.Codebook;
using PopHealth.Workbook;

namespace PopHealth.Tests.Features;

[Trait("Category", "Unit")]
public class ExplorationTests
{
    private static FeatureSet Set(double?[] feature, double?[] target, double?[]? weight = null, double?[]? state = null, double?[]? stratum = null)
    {
        var frame = new DataFrame(new Int64DataFrameColumn(FeatureSet.RespondentId, Enumerable.Range(1, target.Length).Select(i => (long)i)),
            new DoubleDataFrameColumn("x", feature), new DoubleDataFrameColumn(FeatureSet.Target, target));
        if (weight is not null) frame.Columns.Add(new DoubleDataFrameColumn(FeatureSet.Weight, weight));
        if (state is not null) frame.Columns.Add(new DoubleDataFrameColumn(FeatureSet.State, state));
        if (stratum is not null) frame.Columns.Add(new DoubleDataFrameColumn(FeatureSet.Stratum, stratum));
        return new FeatureSet(Recipe.Improved, "test", frame, [new FeatureDefinition("x", "X", "test")], [], synthetic: true);
    }

    [Fact]
    public void Codebook_labels_codes_ranges_and_blanks()
    {
        var codebook = BrfssCodebook.Year2024;
        Assert.Equal("1 Excellent", codebook.Label("GENHLTH", 1));
        Assert.Equal("12 (Number of days)", codebook.Label("POORHLTH", 12));
        Assert.Equal("blank Not asked or Missing", codebook.Label("POORHLTH", null));
        Assert.Equal("29 Missouri", codebook.Label("_STATE", 29));
        Assert.Equal(457_670, codebook.Entries("_RFHLTH").Sum(e => e.Frequency));
        Assert.Equal("42", codebook.Label("NOT_IN_CODEBOOK", 42));
    }

    [Fact]
    public void Frequencies_and_cross_tabulation_count_every_code()
    {
        var frame = new DataFrame(new DoubleDataFrameColumn("GENHLTH", [1, 1, 5, 9, null]),
            new DoubleDataFrameColumn("POORHLTH", [88, 3, 30, 77, null]));
        var freq = Exploration.Frequencies(frame, "GENHLTH");
        Assert.Equal([2L, 1, 1, 1], freq.Select(f => f.Count));
        Assert.Equal(0.4, freq[0].Share);
        Assert.Equal("9 Refused", freq[2].Label);
        var table = Exploration.CrossTabulate(frame, "POORHLTH", "GENHLTH", v => v is >= 1 and <= 30 ? "1–30 days" : v == 88 ? "none" : "unknown");
        Assert.Equal(["1–30 days", "unknown", "none"], table.RowLabels.OrderBy(l => l == "none").ThenBy(l => l));
        Assert.Equal(5.0, table.Counts.Sum(r => r.Sum()));
        Assert.Equal(2.0, table.Counts[table.RowLabels.ToList().IndexOf("1–30 days")].Sum());
        Assert.Contains("heatmap", ExploreCharts.Heatmap(table).FigureJson);
    }

    [Fact]
    public void Risk_by_level_has_wilson_intervals_and_an_unknown_level()
    {
        var set = Set([1, 1, 2, 2, 2, null], [0, 1, 1, 1, 0, 1]);
        var levels = Exploration.RiskByLevel(set, "x");
        Assert.Equal(["1", "2", "unknown"], levels.Select(l => l.Level));
        Assert.Equal([0.5, 2 / 3.0, 1.0], levels.Select(l => l.FairPoorShare));
        var (lo, hi) = Exploration.Wilson(5, 10);
        Assert.Equal(0.2366, lo, 4);
        Assert.Equal(0.7634, hi, 4);
        // More distinct values than levels → deciles.
        var many = Set(Enumerable.Range(0, 100).Select(i => (double?)i).ToArray(), Enumerable.Range(0, 100).Select(i => (double?)(i % 2)).ToArray());
        Assert.Equal(10, Exploration.RiskByLevel(many, "x").Count);
        Assert.Equal(100, Exploration.RiskByLevel(many, "x").Sum(l => l.Count));
    }

    [Fact]
    public void Associations_fold_the_auc_and_report_missing()
    {
        var set = Set([3, 2, 1, 0, null], [0, 0, 1, 1, 1]);
        var a = Assert.Single(Exploration.Associations(set));
        Assert.Equal(1.0, a.Auc);
        Assert.Equal("lower → more risk", a.Direction);
        Assert.Equal(0.2, a.ShareMissing);
        Assert.Equal(1.0, a.FairPoorWhenMissing);
    }

    [Fact]
    public void Weighted_prevalence_has_the_linearised_standard_error()
    {
        // Equal weights, one stratum: SE = sqrt(p(1 − p)/(n − 1)).
        var equal = Assert.Single(SurveyEstimates.Prevalence([1, 0, 0, 1], [1, 1, 1, 1], ["a", "a", "a", "a"]));
        Assert.Equal(0.5, equal.Prevalence);
        Assert.Equal(Math.Sqrt(0.25 / 3), equal.StandardError, 12);
        // Weights shift the estimate; rows with no weight or outcome are left out.
        var weighted = Assert.Single(SurveyEstimates.Prevalence([1, 0, null, 1], [3, 1, 1, null], ["a", "a", "a", "a"]));
        Assert.Equal(0.75, weighted.Prevalence);
        Assert.Equal(2, weighted.Respondents);
        // Strata that each hold one outcome value contribute no variance.
        var strata = Assert.Single(SurveyEstimates.Prevalence([1, 1, 0, 0], [1, 1, 1, 1], ["a", "a", "a", "a"], [1, 1, 2, 2]));
        Assert.Equal(0, strata.StandardError, 12);
        var set = Set([1, 1, 1, 1], [1, 0, 0, 0], weight: [1, 1, 1, 1], state: [29, 29, 6, 6]);
        Assert.Equal(["California", "Missouri"], SurveyEstimates.FairPoorByState(set).Select(s => s.Group));
        Assert.Throws<InvalidOperationException>(() => SurveyEstimates.FairPoorByState(Set([1], [1])));
    }


    [Fact]
    public void Missing_codes_of_several_years_add_up_and_a_variable_one_year_lacks_is_blank_there()
    {
        var first = new MissingCodeTally(["GENHLTH", "INCOME3"]);
        first.AddRows(4);
        first.AddValues(0, [1, 7, 9, 9]);
        first.AddValues(1, [77, 3]);
        first.AddBlanks(1, 2);
        var second = new MissingCodeTally(["GENHLTH"]);
        second.AddRows(2);
        second.AddValues(0, [7]);
        second.AddBlanks(0, 1);
        var counts = MissingCodeTally.Combine([first, second]).ToDictionary(m => (m.Variable, m.Code), m => m.Count);
        Assert.Equal(2, counts[("GENHLTH", "7")]);
        Assert.Equal(2, counts[("GENHLTH", "9")]);
        Assert.Equal(1, counts[("GENHLTH", "blank")]);
        Assert.Equal(1, counts[("INCOME3", "77")]);
        Assert.Equal(0, counts[("INCOME3", "99")]);
        Assert.Equal(4, counts[("INCOME3", "blank")]); // 2 blanks in the first year, both rows of the second
        Assert.Equal(4 / 6.0, MissingCodeTally.Combine([first, second]).Single(m => m.Variable == "INCOME3" && m.Code == "blank").Share, 12);
    }
}

/// <summary>Exploration measures on the whole real 2016 extract.</summary>
[Trait("Category", "RealData")]
public class RealExplorationTests
{
    [Fact]
    public async Task Missing_codes_counted_while_converting_equal_the_whole_table_count_and_the_head_is_the_first_rows()
    {
        using var temp = Repo.Temp();
        var interim = temp.File("brfss.parquet");
        var report = await BrfssConverter.ConvertAsync(RealData.Extract("brfss2016_llcp_statesubset_39vars.csv.gz"), interim);
        var table = await BrfssTable.ReadAsync(interim);
        var whole = Exploration.MissingCodeCounts(table.Frame, table.Profile.KeyVariables);
        var converted = report.MissingCodes;
        Assert.Equal(whole.Select(m => (m.Variable, m.Code, m.Count)).OrderBy(x => x.Variable).ThenBy(x => x.Code),
            converted.Select(m => (m.Variable, m.Code, m.Count)).OrderBy(x => x.Variable).ThenBy(x => x.Code));
        Assert.Contains(converted, m => m.Variable == "_AGEG5YR" && m.Code == "14" && m.Count == 4_632); // SOURCES.md
        Assert.Contains(converted, m => m.Variable == "INCOME2" && m.Code == "77" && m.Count > 0);
        var head = await ParquetFrames.ReadHeadAsync(interim, 8);
        Assert.Equal(8, head.Rows.Count);
        Assert.Equal(table.Frame.Columns.Select(c => c[7]), head.Columns.Select(c => c[7]));
    }
}
