using System.Collections;
using Microsoft.Data.Analysis;
using PopHealth.Steps;
using PopHealth.Features;
using PopHealth.Ingest;
using PopHealth.Synthesis;
using PopHealth.Workbook;

namespace PopHealth.Tests.Synthesis;

[Trait("Category", "Unit")]
public class SynthesisStepTests
{
    [Fact]
    public void Ks_and_total_variation_match_hand_counts()
    {
        Assert.Equal(0.5, SynthesisReports.TotalVariation([1, 1, 2, 2], [1, 1, 1, 1]), 12);
        Assert.Equal(0, SynthesisReports.TotalVariation([1, 2], [2, 1]), 12);
        Assert.Equal(0.5, SynthesisReports.KolmogorovSmirnov([1, 2, 3, 4], [3, 4, 5, 6]), 12);
        Assert.Equal(0, SynthesisReports.KolmogorovSmirnov([1, 2, 3], [3, 2, 1]), 12);
        Assert.Equal(1, SynthesisReports.KolmogorovSmirnov([1, 2], [3, 4]), 12);
    }

    [Fact]
    public void Identical_data_scores_one_and_copies_are_found_by_the_privacy_report()
    {
        var frame = new DataFrame(new DoubleDataFrameColumn("x", Enumerable.Range(0, 200).Select(i => (double?)(i % 7))),
            new DoubleDataFrameColumn("y", Enumerable.Range(0, 200).Select(i => i % 11 == 0 ? null : (double?)(i * 0.37))));
        var quality = SynthesisReports.Quality(frame, frame, ["x", "y"]);
        Assert.Equal(1, quality.Overall, 12);
        var privacy = SynthesisReports.Privacy(frame, frame, frame, ["x", "y"], seed: 1);
        Assert.Equal(200, privacy.ExactCopies);
        Assert.Equal(0, privacy.SyntheticMedianDistance);
    }

    [Fact]
    public async Task The_step_writes_synthetic_respondents_and_a_reusable_synthesizer_with_no_copies()
    {
        using var temp = Repo.Temp();
        var parameters = WorkbookParameters.FromEnvironment(new Hashtable { ["POPHEALTH_DATA"] = temp.Path, ["POPHEALTH_SYNTH_ROWS"] = "3000" },
            temp.Path);
        var xpt = temp.File("raw/sample.XPT");
        BrfssSample.WriteXpt(xpt, 8000, seed: 4);
        await BrfssConverter.ConvertAsync(xpt, parameters.InterimBrfss, new ConversionOptions(Synthetic: true));
        await (await FeatureBuilder.BuildAsync(parameters.InterimBrfss, Recipe.Improved)).WriteAsync(parameters.ProcessedFeatures);

        var result = await SynthesisStep.RunAsync(parameters);

        var written = await FeatureSet.ReadAsync(parameters.SyntheticRespondents);
        Assert.Equal(3000, written.Rows);
        Assert.True(written.Synthetic);
        Assert.Equal(result.Columns.Take(result.Columns.Count - 1), written.FeatureNames);
        Assert.Equal(2000, result.FitRows); // 5 % of ~8,000 is below the 2,000 floor
        Assert.Equal(0, result.Privacy.ExactCopies);
        Assert.True(result.Quality.ColumnShapesScore > 0.9, $"column shapes {result.Quality.ColumnShapesScore:F3}");
        Assert.True(result.Privacy.SyntheticMedianDistance >= result.Privacy.HoldoutMedianDistance * 0.5,
            $"synthetic rows sit much closer to training rows ({result.Privacy.SyntheticMedianDistance:F4}) than unseen real rows do " +
            $"({result.Privacy.HoldoutMedianDistance:F4})");
        var again = GaussianCopula.Load(result.SynthesizerPath).Sample(10, seed: 1);
        Assert.Equal(result.Columns, again.Columns.Select(c => c.Name));
    }
}
