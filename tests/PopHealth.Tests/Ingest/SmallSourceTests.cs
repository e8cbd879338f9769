using PopHealth.Steps;
using PopHealth.Workbook;

namespace PopHealth.Tests.Ingest;

/// <summary>Sources with few rows, or none: 01 shows what a short table has, and refuses one with no data rows by name.</summary>
[Trait("Category", "Unit")]
public class SmallSourceTests
{
    private static string FiveRows(TempFolder temp, string name, int rows = 5) =>
        NationalSlice.Write(temp.File(name), 2022, rows, (header, fields, _) => NationalSlice.Set(header, fields, "YEAR", "2022"));

    [Fact]
    public async Task A_source_shorter_than_the_first_look_converts_and_shows_all_its_rows()
    {
        // Issue 24, item 7: 01's first look (the first 8 rows) crashed on a valid 5-row source, after the table was written.
        using var temp = Repo.Temp();
        var parameters = SurveyYearTests.Parameters(temp, FiveRows(temp, "five.csv"));
        var step = await ConvertStep.RunAsync(parameters);
        Assert.Equal(5, step.Report.Rows);
        var head = await ParquetFrames.ReadHeadAsync(parameters.InterimBrfss, 8);
        Assert.Equal(5, head.Rows.Count);
    }

    [Fact]
    public async Task A_source_with_no_data_rows_is_refused_by_name_and_keeps_the_earlier_table()
    {
        // Issue 24, item 7: a header-only CSV passed 01 and 02 and failed in 03 with "Cannot use empty dataset".
        using var temp = Repo.Temp();
        var earlier = SurveyYearTests.Parameters(temp, FiveRows(temp, "five.csv"));
        await ConvertStep.RunAsync(earlier);
        var table = File.ReadAllBytes(earlier.InterimBrfss);
        var empty = SurveyYearTests.Parameters(temp, FiveRows(temp, "header-only.csv", rows: 0), "2022");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ConvertStep.RunAsync(empty));
        Assert.Equal("header-only.csv: no data rows (only the names of its columns): there is nothing to convert. " +
            "Point POPHEALTH_INPUT at a file with respondents.", error.Message);
        Assert.Equal(table, File.ReadAllBytes(earlier.InterimBrfss));
    }

    [Fact]
    public async Task Four_respondents_go_through_the_transform()
    {
        // Issue 24, item 7 (found with the notebook test): 03 on four respondents failed writing its table, its candidate
        // decision holding the NaN AUCs of folds without both classes, which JSON cannot write.
        using var temp = Repo.Temp();
        var parameters = SurveyYearTests.Parameters(temp, SurveyYearTests.Slice2016(temp, "four.csv", 4));
        await ConvertStep.RunAsync(parameters);
        var features = await TransformStep.RunAsync(parameters);
        var decision = Assert.Single(features.Candidates);
        Assert.False(decision.Kept);
        Assert.Matches(
            @"^interview_month dropped: \d training respondents \(\d in fair or poor health\) are too few to cross-validate it on 3 folds\.$",
            decision.Reason);
        var read = await PopHealth.Features.FeatureSet.ReadAsync(parameters.ProcessedFeatures);
        Assert.Equal(features.Rows, read.Rows);
        Assert.Equal(decision.Reason, Assert.Single(read.Candidates).Reason);
    }
}
