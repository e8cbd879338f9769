using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Scoring;
using PopHealth.Steps;
using PopHealth.Workbook;

namespace PopHealth.Tests.Scoring;

/// <summary>
/// Issue 13's findings on scoring inputs: ids carried exactly, out-of-range values flagged, nothing written before
/// every check passed.
/// </summary>
[Trait("Category", "Unit")]
public class ScoringInputTests(ScoringFixture fixture) : IClassFixture<ScoringFixture>
{
    private string Output(string name) => Path.Combine(fixture.Folder, "ids", name);

    [Fact]
    public async Task Numeric_ids_are_never_replaced_bad_ones_get_a_reason()
    {
        var input = await fixture.Input("numeric-ids.parquet", 1000, frame =>
        {
            frame.Columns.Remove(FeatureSet.RespondentId);
            var ids = new DoubleDataFrameColumn(FeatureSet.RespondentId, Enumerable.Range(0, 1000).Select(i => (double?)(5_000_000_000L + i)));
            ids[1] = double.NaN; ids[2] = 1e30; ids[3] = 2.7; ids[4] = null; ids[5] = ids[6]; // and a duplicate
            frame.Columns.Insert(0, ids);
        });
        var report = await BatchScorer.ScoreAsync(input, Output("numeric.parquet"), fixture.Store);
        var predictions = await ParquetFrames.ReadAsync(Output("numeric.parquet"));
        var id = predictions.Columns[FeatureSet.RespondentId];
        var reason = predictions.Columns["reason"];
        Assert.Equal(5_000_000_000L, id[0]);
        Assert.Equal(5_000_000_999L, id[999]);
        Assert.All(new[] { 1, 2, 3, 4 }, i => Assert.Null(id[i])); // never 0, long.MaxValue, 2 or the row number
        Assert.Contains("respondent_id is NaN", (string)reason[1]);
        Assert.Contains("beyond the whole numbers", (string)reason[2]);
        Assert.Contains("respondent_id=2.7 is not a whole number", (string)reason[3]);
        Assert.Contains("respondent_id is missing", (string)reason[4]);
        Assert.All(new[] { 1, 2, 3, 4 }, i => Assert.Null(predictions.Columns["probability"][i]));
        Assert.Equal(1, report.DuplicateIds);
        Assert.Equal(["5000000006"], report.DuplicateExamples);
    }

    [Fact]
    public async Task Text_ids_keep_their_text()
    {
        var input = await fixture.Input("text-ids.parquet", 800, frame =>
        {
            frame.Columns.Remove(FeatureSet.RespondentId);
            frame.Columns.Insert(0,
                new StringDataFrameColumn(FeatureSet.RespondentId, Enumerable.Range(0, 800).Select(i => i == 7 ? null : $"MO-{i:D5}")));
        });
        await BatchScorer.ScoreAsync(input, Output("text.parquet"), fixture.Store);
        var predictions = await ParquetFrames.ReadAsync(Output("text.parquet"));
        Assert.IsType<StringDataFrameColumn>(predictions.Columns[FeatureSet.RespondentId]);
        Assert.Equal("MO-00000", predictions.Columns[FeatureSet.RespondentId][0]);
        Assert.Equal("MO-00799", predictions.Columns[FeatureSet.RespondentId][799]);
        Assert.Contains("respondent_id is missing", (string)predictions.Columns["reason"][7]);
    }

    [Fact]
    public async Task Values_far_outside_the_training_range_are_refused_flagged_and_counted()
    {
        var domain = fixture.Model.Domains.Single(d => d.Feature == "a");
        var input = await fixture.Input("range.parquet", 900, frame =>
        {
            var a = (DoubleDataFrameColumn)frame.Columns["a"];
            a[0] = 1e308; a[1] = 1e12; a[2] = domain.Max + 0.05 * (domain.Max - domain.Min); // the last within the margin
        });
        var report = await BatchScorer.ScoreAsync(input, Output("range.parquet"), fixture.Store);
        var predictions = await ParquetFrames.ReadAsync(Output("range.parquet"));
        Assert.Equal(2, report.OutOfRange);
        Assert.Equal(true, predictions.Columns["out_of_range"][0]);
        Assert.Equal(true, predictions.Columns["out_of_range"][1]);
        Assert.Equal(false, predictions.Columns["out_of_range"][2]);
        Assert.Contains("outside the training range", (string)predictions.Columns["reason"][0]);
        Assert.Null(predictions.Columns["probability"][0]);
        Assert.NotNull(predictions.Columns["probability"][2]);
    }

    [Theory]
    [InlineData(FeatureSet.Target)]
    [InlineData(FeatureSet.Weight)]
    public async Task The_infer_step_checks_summary_columns_before_writing_anything(string column)
    {
        using var temp = Repo.Temp();
        var input = await fixture.Input($"text-{column}.parquet", 300, frame =>
        {
            if (frame.Columns.IndexOf(column) >= 0) frame.Columns.Remove(column);
            frame.Columns.Add(new StringDataFrameColumn(column, Enumerable.Repeat("1", 300)));
        });
        var parameters = ScoringFixture.Parameters(temp, input);
        Directory.CreateDirectory(Path.GetDirectoryName(parameters.Predictions)!);
        File.WriteAllText(parameters.Predictions, "earlier predictions");
        using var model = ScoringModel.Load(fixture.Store);
        var error = await Assert.ThrowsAsync<ScoringInputException>(() => ScoringStep.CheckAsync(parameters, model));
        Assert.Contains($"column '{column}' is text", error.Message);
        Assert.Equal("earlier predictions", File.ReadAllText(parameters.Predictions)); // nothing overwritten
    }

    [Fact]
    public async Task A_damaged_data_page_is_refused_before_anything_is_written()
    {
        using var temp = Repo.Temp();
        var input = await fixture.Input("damaged.parquet", 3000);
        await PopHealth.Tests.Workbook.ParquetChecksumsTests.DamageAsync(input, "a", rowGroup: 2); // 64 bytes inside a data page, footer intact
        var output = Output("damaged.parquet");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => BatchScorer.ScoreAsync(input, output, fixture.Store));
        Assert.Contains("damaged.parquet", error.Message);
        Assert.Contains("column 'a' (row group 3)", error.Message);
        Assert.Contains("byte offset", error.Message);
        Assert.False(File.Exists(output));
        // The infer step's check stage refuses it too, before 06 writes anything.
        var parameters = ScoringFixture.Parameters(temp, input);
        using var model = ScoringModel.Load(fixture.Store);
        Assert.Contains("column 'a'", (await Assert.ThrowsAsync<InvalidDataException>(() => ScoringStep.CheckAsync(parameters, model))).Message);
    }

    [Fact]
    public async Task A_missing_score_input_names_its_variable()
    {
        using var temp = Repo.Temp();
        var parameters = ScoringFixture.Parameters(temp, temp.File("none.parquet"));
        using var model = ScoringModel.Load(fixture.Store);
        var error = await Assert.ThrowsAsync<WorkbookParameterException>(() => ScoringStep.CheckAsync(parameters, model));
        Assert.Equal("POPHEALTH_SCORE_INPUT", error.Variable);
    }
}
