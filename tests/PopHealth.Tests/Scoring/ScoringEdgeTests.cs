using System.Diagnostics;
using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Runner;
using PopHealth.Scoring;
using PopHealth.Steps;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Tests.Scoring;

/// <summary>
/// Issue 24's scoring findings (items 4, 6, 9 and 10), each reproduced with the scoring fixture: a summary paired with another
/// run's rows, a feature arriving empty that training never lacked, refusals that printed as crashes, and kill -9 leftovers.
/// </summary>
[Trait("Category", "Unit")]
public class ScoringEdgeTests(ScoringFixture fixture) : IClassFixture<ScoringFixture>
{
    /// <summary>The fixture's features with column <paramref name="column"/> reversed: other rows, same schema.</summary>
    private static Action<DataFrame> Reversed(string column) => frame =>
    {
        var values = (DoubleDataFrameColumn)frame.Columns[column];
        var copy = Enumerable.Range(0, (int)values.Length).Select(i => values[i]).Reverse().ToArray();
        for (var i = 0; i < copy.Length; i++) values[i] = copy[i];
    };

    [Fact]
    public async Task The_summary_describes_this_runs_rows_when_a_second_06_writes_the_same_data_root_in_between()
    {
        using var data = Repo.Temp();
        var mine = await fixture.Input("summary-mine.parquet", 1500);
        var other = await fixture.Input("summary-other.parquet", 900, Reversed("a"));
        using var model = ScoringModel.Load(fixture.Store);
        var (p1, p2) = (ScoringFixture.Parameters(data, mine), ScoringFixture.Parameters(data, other));
        var report = await ScoringStep.ScoreAsync(p1, model, await ScoringStep.CheckAsync(p1, model));
        await ScoringStep.ScoreAsync(p2, model, await ScoringStep.CheckAsync(p2, model)); // the second 06 replaces predictions.parquet

        var summary = await ScoringStep.SummariseAsync(p1, model, report);

        await BatchScorer.ScoreAsync(mine, data.File("alone.parquet"), fixture.Store);
        var alone = await ParquetFrames.ReadAsync(data.File("alone.parquet"));
        Assert.Equal(1500, summary.Probabilities.Length);
        Assert.Equal(Enumerable.Range(0, 1500).Select(i => (double?)alone.Columns["probability"][i]), summary.Probabilities);
        Assert.Equal(Enumerable.Range(0, 1500)
            .Select(i => Convert.ToString(alone.Columns[FeatureSet.RespondentId][i], System.Globalization.CultureInfo.InvariantCulture)),
            summary.Ids);
        var drift = summary.Drift(); // this run's rows and this run's input: the AUC is this run's
        var scored = Enumerable.Range(0, 1500).Where(i => alone.Columns["probability"][i] is not null).ToArray();
        var expected = Statistics.Auc(scored.Select(i => (double)alone.Columns["probability"][i]).ToArray(),
            scored.Select(i => (double)summary.Input.Columns[FeatureSet.Target][i]! == 1).ToArray());
        Assert.Equal(expected, drift.Auc!.Value, 12);
    }

    [Fact]
    public async Task An_input_rewritten_after_scoring_is_refused_by_the_summary_not_paired_with_other_rows()
    {
        using var data = Repo.Temp();
        var input = await fixture.Input("rewritten-later.parquet", 1200);
        using var model = ScoringModel.Load(fixture.Store);
        var parameters = ScoringFixture.Parameters(data, input);
        var report = await ScoringStep.ScoreAsync(parameters, model, await ScoringStep.CheckAsync(parameters, model));
        await fixture.Input("rewritten-later.parquet", 1200, Reversed("b")); // 05 writes the input again, same row count
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ScoringStep.SummariseAsync(parameters, model, report));
        Assert.Contains("rewritten-later.parquet changed while 06 was using it", error.Message);

        await fixture.Input("rewritten-later.parquet", 700); // and again, with fewer rows
        Assert.Contains("700 rows instead of 1,200",
            (await Assert.ThrowsAsync<InvalidDataException>(() => ScoringStep.SummariseAsync(parameters, model, report))).Message);
    }

    [Fact]
    public async Task An_input_rewritten_between_the_check_and_the_scoring_is_refused_and_nothing_is_written()
    {
        using var data = Repo.Temp();
        var input = await fixture.Input("rewritten-early.parquet", 1000);
        using var model = ScoringModel.Load(fixture.Store);
        var parameters = ScoringFixture.Parameters(data, input);
        var checkedInput = await ScoringStep.CheckAsync(parameters, model);
        await fixture.Input("rewritten-early.parquet", 1400);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ScoringStep.ScoreAsync(parameters, model, checkedInput));
        Assert.Contains("1,400 rows instead of 1,000", error.Message);
        Assert.False(File.Exists(parameters.Predictions));
    }

    [Fact]
    public async Task A_predictions_file_read_back_must_be_the_one_this_scoring_wrote()
    {
        using var data = Repo.Temp();
        var input = await fixture.Input("read-back.parquet", 600);
        using var model = ScoringModel.Load(fixture.Store);
        var parameters = ScoringFixture.Parameters(data, input);
        var report = await BatchScorer.ScoreAsync(await ScoringStep.CheckAsync(parameters, model), parameters.Predictions, model); // rows not kept
        Assert.Null(report.Written);
        Assert.Equal(report.RunId, (await ParquetFrames.ReadMetadataAsync(parameters.Predictions))[BatchScorer.RunKey]);
        Assert.Equal(600, (await ScoringStep.SummariseAsync(parameters, model, report)).Probabilities.Length); // its own file: read back

        await BatchScorer.ScoreAsync(input, parameters.Predictions, fixture.Store); // another scoring of the same rows replaces it
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ScoringStep.SummariseAsync(parameters, model, report));
        Assert.Contains("is not the file this scoring wrote", error.Message);
    }

    [Fact]
    public async Task A_feature_never_missing_in_training_that_arrives_empty_leaves_every_row_unscored_with_a_reason_named_first()
    {
        Assert.Equal(0, fixture.Model.Domains.Single(d => d.Feature == "b").Bins!.MissingShare); // b is never missing in training
        var input = await fixture.Input("b-empty.parquet", 2000, frame =>
        {
            var b = (DoubleDataFrameColumn)frame.Columns["b"];
            for (var i = 0; i < b.Length; i++) b[i] = null;
        });
        var report = await BatchScorer.ScoreAsync(input, Path.Combine(fixture.Folder, "edge", "b-empty.parquet"), fixture.Store);
        Assert.Equal(0, report.Scored);
        var reason = Assert.Single(report.Unscored).Key;
        Assert.Equal("b is missing, as in 100 % of this input against 0 % of the training rows: too many to score without it", reason);
        var predictions = await ParquetFrames.ReadAsync(Path.Combine(fixture.Folder, "edge", "b-empty.parquet"));
        Assert.All(Enumerable.Range(0, 2000), i => Assert.Null(predictions.Columns["probability"][i]));

        // 06 says it first: at the check, in the report and at the top of the summary; the summaries cope with no scored row.
        using var data = Repo.Temp();
        using var model = ScoringModel.Load(fixture.Store);
        var parameters = ScoringFixture.Parameters(data, input);
        var checkedInput = await ScoringStep.CheckAsync(parameters, model);
        var missing = Assert.Single(checkedInput.MissingBeyondTraining);
        Assert.Equal(("b", 2000L, 0.0), (missing.Feature, missing.MissingRows, missing.TrainingShare));
        var summary = await ScoringStep.SummariseAsync(parameters, model, await ScoringStep.ScoreAsync(parameters, model, checkedInput));
        Assert.StartsWith("b is missing in 2,000 of 2,000 rows (100.0 %) against 0.0 % of the training rows", Assert.Single(summary.Warnings));
        Assert.Contains(summary.Report.Describe(),
            kv => kv.Key.StartsWith("features missing far more", StringComparison.Ordinal)
                && kv.Value.StartsWith("b: 100.0 %", StringComparison.Ordinal));
        Assert.Equal("(no row was scored)", summary.Drift().Describe()[1].Value);
        Assert.All(summary.Tiers(), t => Assert.Equal(0, t.Respondents));
        Assert.Null(summary.PredictedVsActual());
        Assert.Empty(summary.TopRiskDrivers());
    }

    [Fact]
    public async Task Unknowns_no_more_common_than_in_training_beyond_the_margin_are_scored_as_before()
    {
        var share = fixture.Model.Domains.Single(d => d.Feature == "c").Bins!.MissingShare; // about 10 % in training
        var input = await fixture.Input("c-some.parquet", 2000, frame =>
        {
            var c = (DoubleDataFrameColumn)frame.Columns["c"];
            for (var i = 0; i < c.Length; i += 5) c[i] = null; // a fifth more: about 17 points above training
        });
        using var data = Repo.Temp();
        using var model = ScoringModel.Load(fixture.Store);
        var checkedInput = await ScoringStep.CheckAsync(ScoringFixture.Parameters(data, input), model);
        Assert.InRange(checkedInput.MissingCounts[2] / 2000.0 - share, 0.10, 0.20);
        Assert.Empty(checkedInput.MissingBeyondTraining);
        var report = await BatchScorer.ScoreAsync(checkedInput, data.File("c.parquet"), model);
        Assert.Equal(2000, report.Scored);
    }

    [Theory]
    [InlineData(10, 10, 0.0, true)]     // a column never missing in training, empty in 10 rows
    [InlineData(9, 9, 0.0, false)]      // fewer than 10 rows: too few to say
    [InlineData(700, 1000, 0.45, true)] // 25 points above, 16 standard errors
    [InlineData(14, 20, 0.45, false)]   // 25 points above, but 2.2 standard errors in 20 rows: chance
    [InlineData(640, 1000, 0.45, false)] // 19 points above: within the margin
    public void The_missing_share_rule_needs_a_wide_margin_beyond_chance_and_ten_rows(long missing, long rows, double training, bool exceeded) =>
        Assert.Equal(exceeded, new MissingShareLimit().Exceeded(missing, rows, training));

    [Fact]
    public async Task A_column_differing_only_in_case_gets_a_did_you_mean()
    {
        var input = await fixture.Input("case.parquet", 100, frame =>
        {
            var a = frame.Columns["a"];
            frame.Columns.Remove("a");
            a.SetName("A");
            frame.Columns.Add(a);
        });
        var error = await Assert.ThrowsAsync<ScoringInputException>(() =>
            BatchScorer.ScoreAsync(input, Path.Combine(fixture.Folder, "edge", "case.parquet"), fixture.Store));
        Assert.Equal(["missing column 'a' (the input has 'A': did you mean it? Column names are case-sensitive; rename it to 'a')"], error.Problems);
    }

    [Fact]
    public async Task A_folder_as_the_score_input_is_refused_as_not_a_file()
    {
        using var data = Repo.Temp();
        Directory.CreateDirectory(data.File("inputs.parquet"));
        using var model = ScoringModel.Load(fixture.Store);
        var error = await Assert.ThrowsAsync<WorkbookParameterException>(() =>
            ScoringStep.CheckAsync(ScoringFixture.Parameters(data, data.File("inputs.parquet")), model));
        Assert.Equal("POPHEALTH_SCORE_INPUT", error.Variable);
        Assert.Contains("names a folder, not a file", error.Message);
    }

    [Fact]
    public async Task A_text_target_names_the_file_and_the_fix()
    {
        using var data = Repo.Temp();
        var input = await fixture.Input("text-target.parquet", 100, frame =>
        {
            frame.Columns.Remove(FeatureSet.Target);
            frame.Columns.Add(new StringDataFrameColumn(FeatureSet.Target, Enumerable.Repeat("fair", 100)));
        });
        using var model = ScoringModel.Load(fixture.Store);
        var error = await Assert.ThrowsAsync<ScoringInputException>(() => ScoringStep.CheckAsync(ScoringFixture.Parameters(data, input), model));
        Assert.StartsWith(input + " cannot be scored", error.Message);
        Assert.Contains($"column '{FeatureSet.Target}' is text, expected numbers (the target: 1 = fair or poor health, 0 = good", error.Message);
        Assert.Contains("write it as numbers, or drop the column", error.Message);
    }

    [Fact]
    public async Task A_predictions_folder_that_cannot_be_written_names_POPHEALTH_DATA_not_a_temporary_file()
    {
        using var data = Repo.Temp();
        var input = await fixture.Input("unwritable.parquet", 100);
        using var model = ScoringModel.Load(fixture.Store);
        var parameters = ScoringFixture.Parameters(data, input);
        var checkedInput = await ScoringStep.CheckAsync(parameters, model);

        File.WriteAllText(data.File("predictions"), "a file where the folder belongs");
        var error = await Assert.ThrowsAsync<WorkbookParameterException>(() => ScoringStep.ScoreAsync(parameters, model, checkedInput));
        Assert.Equal("POPHEALTH_DATA", error.Variable);
        Assert.DoesNotContain(".tmp", error.Message);

    }

    [FactWhere(Need.ReadOnlyFolders)]
    public async Task A_read_only_predictions_folder_names_POPHEALTH_DATA_not_a_temporary_file()
    {
        using var data = Repo.Temp();
        var input = await fixture.Input("readonly.parquet", 100);
        using var model = ScoringModel.Load(fixture.Store);
        var parameters = ScoringFixture.Parameters(data, input);
        var checkedInput = await ScoringStep.CheckAsync(parameters, model);
        using var folder = ReadOnlyFolder.Make(data.File("predictions"));
        Assert.True(folder.IsReadOnly);
        var error = await Assert.ThrowsAsync<WorkbookParameterException>(() => ScoringStep.ScoreAsync(parameters, model, checkedInput));
        Assert.Equal("POPHEALTH_DATA", error.Variable);
        Assert.Contains($"{data.File("predictions")} cannot be written", error.Message);
        Assert.DoesNotContain(".tmp", error.Message);
    }

    [Fact]
    public async Task Scoring_refusals_are_shown_by_the_runner_as_refusals_without_a_stack_trace()
    {
        var input = await fixture.Input("refusal.parquet", 50, frame => frame.Columns.Remove("c"));
        var refusals = new List<Exception>
        {
            await Assert.ThrowsAsync<ScoringInputException>(() =>
                BatchScorer.ScoreAsync(input, Path.Combine(fixture.Folder, "edge", "refusal.parquet"), fixture.Store)),
            Assert.Throws<ModelNotFoundException>(() => ScoringModel.Load(fixture.Store, "models:/pophealth-rfhlth@staging")),
        };
        using var temp = Repo.Temp();
        foreach (var refusal in refusals)
        {
            var path = NotebookJson.Write(temp,
                [NotebookJson.Code("var input = await ScoringStep.CheckAsync(parameters, model);", NotebookJson.Error(refusal.ToString()))]);
            var notebook = ExecutedNotebook.Load(path);
            Assert.Equal(1, notebook.TidyErrors());
            var failure = notebook.FirstFailure()!;
            Assert.Equal(refusal.GetType().Name, failure.ErrorName);
            Assert.Equal(refusal.Message, failure.Message);
        }
    }

    [Fact]
    public async Task Temporary_files_a_killed_06_left_in_predictions_are_swept_only_when_their_process_is_gone()
    {
        using var data = Repo.Temp();
        var input = await fixture.Input("leftovers.parquet", 100);
        using var model = ScoringModel.Load(fixture.Store);
        var parameters = ScoringFixture.Parameters(data, input);
        var folder = Path.GetDirectoryName(parameters.Predictions)!;
        Directory.CreateDirectory(folder);
        string Plant(int pid, DateTime written)
        {
            var path = Path.Combine(folder, $".predictions.parquet.{pid}.{Guid.NewGuid():N}.tmp");
            File.WriteAllText(path, "half a parquet file");
            File.SetLastWriteTimeUtc(path, written);
            return path;
        }
        using var live = Process.GetCurrentProcess();
        var started = live.StartTime.ToUniversalTime();
        var dead = Plant(int.MaxValue - 1, DateTime.UtcNow);                       // no process has this id
        var reused = Plant(1, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc)); // pid 1 started long after this was written
        var init = Plant(1, DateTime.UtcNow);                                      // pid 1 is alive and was when this was written
        var own = Plant(Environment.ProcessId, started.AddSeconds(5));            // this process's own write, perhaps under way
        var other = Path.Combine(folder, $".other.parquet.{int.MaxValue - 1}.{Guid.NewGuid():N}.tmp"); // another file's: not this target's
        File.WriteAllText(other, "x");

        await ScoringStep.ScoreAsync(parameters, model, await ScoringStep.CheckAsync(parameters, model));

        Assert.False(File.Exists(dead));
        Assert.True(!File.Exists(reused) || OperatingSystem.IsWindows());
        Assert.True(File.Exists(init) || OperatingSystem.IsWindows()); // Windows has no process 1
        Assert.True(File.Exists(own));
        Assert.True(File.Exists(other));
        Assert.True(File.Exists(parameters.Predictions));
    }
}
