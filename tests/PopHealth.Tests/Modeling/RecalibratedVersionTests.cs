using System.Collections;
using Microsoft.Data.Analysis;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PopHealth.Features;
using PopHealth.Modeling;
using PopHealth.Steps;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Tests.Modeling;

/// <summary>
/// With several survey years 04 registers the model as trained and, as the next version, the model recalibrated for the
/// latest year: its tags say what was done, prod points at it, and its model.onnx carries the shift in the graph.
/// </summary>
[Trait("Category", "Integration")]
public class RecalibratedVersionTests
{
    /// <summary>Two survey years of a made-up problem; fair/poor health is more common in the second (its intercept is higher).</summary>
    private static FeatureSet TwoYears(int perYear)
    {
        var random = new Random(14);
        var n = 2 * perYear;
        var columns = new[] { "a", "b", "c" }.ToDictionary(c => c, _ => new double?[n]);
        var target = new double?[n];
        var year = new double?[n];
        for (var i = 0; i < n; i++)
        {
            year[i] = i < perYear ? 2023 : 2024;
            columns["a"][i] = random.NextDouble();
            columns["b"][i] = random.Next(1, 6);
            columns["c"][i] = random.NextDouble() < 0.1 ? null : random.NextDouble();
            var logit = 3 * columns["a"][i]!.Value + 0.5 * columns["b"][i]!.Value - 4 + (columns["c"][i] ?? 0.5) + (year[i] == 2024 ? 1.2 : 0);
            target[i] = random.NextDouble() < 1 / (1 + Math.Exp(-logit)) ? 1 : 0;
        }
        var frame = new DataFrame(new Int64DataFrameColumn(FeatureSet.RespondentId, Enumerable.Range(1, n).Select(i => (long)i)));
        foreach (var (name, values) in columns) frame.Columns.Add(new DoubleDataFrameColumn(name, values));
        frame.Columns.Add(new DoubleDataFrameColumn(FeatureSet.Target, target));
        frame.Columns.Add(new DoubleDataFrameColumn(FeatureSet.SurveyYear, year));
        return new FeatureSet(Recipe.Improved, "test", frame, columns.Keys.Select(c => new FeatureDefinition(c, c, "test")).ToArray(), [],
            synthetic: true);
    }

    [Fact]
    public async Task Two_versions_are_registered_the_recalibrated_one_tagged_with_prod_and_its_onnx_shifts_the_odds_exactly()
    {
        using var temp = Repo.Temp();
        var parameters = WorkbookParameters.FromEnvironment(new Hashtable { ["POPHEALTH_DATA"] = temp.Path }, temp.Path);
        await TwoYears(4000).WriteAsync(parameters.ProcessedFeatures);

        var result = await TrainStep.RunAsync(parameters,
            new TrainOptions(SearchTrials: 1, ImportanceRows: 500, ImportanceRepeats: 1, ShapRows: 100));

        var store = new MlflowStore(parameters.MlRuns);
        var versions = store.Versions(WorkbookModel.Name);
        Assert.Equal(2, versions.Count);
        var (parent, recalibrated) = (versions[0], versions[1]);
        Assert.Equal(result.Registration.Version.Version, parent.Version);
        Assert.Equal(result.Registration.Recalibrated!.Version, recalibrated.Version);
        // prevalence rose well beyond the sample's error
        Assert.True(result.Recalibration!.Recalibrated.Supported, result.Recalibration.Recalibrated.Evidence);
        Assert.Equal(recalibrated.Version, store.Resolve(WorkbookModel.ProductionUri).Version);
        Assert.Equal(recalibrated.Version, result.Registration.Production.Version);
        Assert.Equal(parent.RunId, recalibrated.RunId); // one final run holds both models, so prod's run has every metric
        Assert.Equal(ModelRegistration.RecalibratedArtifactPath, Path.GetFileName(recalibrated.ArtifactDirectory));

        // The tags say what was done: method, target year and prevalence, the labelled sample (size, seed), the parent.
        var plan = result.Plan;
        var sample = plan.Split.Recalibration;
        Assert.All(sample, i => Assert.Equal(2024, plan.Years![i]));
        Assert.Empty(sample.Intersect(plan.Split.Train).Concat(sample.Intersect(plan.Split.Test))); // held out of both
        var tags = recalibrated.Tags;
        Assert.StartsWith("intercept update", tags["pophealth.recalibration.method"]);
        Assert.Equal("2024", tags["pophealth.recalibration.target_year"]);
        Assert.Equal(sample.Average(i => plan.Data.Labels[i] ? 1.0 : 0.0),
            double.Parse(tags["pophealth.recalibration.target_prevalence"], System.Globalization.CultureInfo.InvariantCulture), 12);
        Assert.Equal(RecalibrationTarget.LabelledSample, tags["pophealth.recalibration.source"]);
        Assert.Equal(sample.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), tags["pophealth.recalibration.sample_rows"]);
        Assert.Equal(parameters.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), tags["pophealth.recalibration.sample_seed"]);
        Assert.Equal(parent.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), tags["pophealth.parent_version"]);
        Assert.Equal(parent.RunId, tags["pophealth.parent_run_id"]);
        Assert.StartsWith("as trained", parent.Tags["pophealth.role"]);
        Assert.Contains("recalibrated", recalibrated.Description);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(parent.ArtifactDirectory)!, "..", "metrics",
            "recalibrated_test_calibration_in_the_large")));

        // ONNX Runtime on the two bare files: the recalibrated odds are the parent's times the tagged odds factor, row by row.
        var factor = double.Parse(tags["pophealth.recalibration.odds_factor"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(factor > 1.05, $"prevalence rose, so the odds go up (factor {factor:F4})");
        var rows = plan.Data.Subset(plan.Split.Test).Rows;
        var before = OnnxProbabilities(parent, rows);
        var after = OnnxProbabilities(recalibrated, rows);
        for (var i = 0; i < rows.Length; i++)
        {
            var ratio = after[i] / (1 - after[i]) / (before[i] / (1 - before[i]));
            Assert.True(Math.Abs(ratio / factor - 1) < 2e-5, $"row {i}: p {before[i]} → {after[i]}, odds ratio {ratio} against {factor}");
        }
        // Recalibrated on 2024's training respondents, it is calibrated on 2024's holdout (the pooled model is not).
        var report = result.Recalibration!;
        Assert.Equal(report.Before.Auc, report.After.Auc, 6);
        Assert.True(Math.Abs(report.After.CalibrationInTheLarge) < Math.Abs(report.Before.CalibrationInTheLarge),
            $"calibration in the large {report.Before.CalibrationInTheLarge:F4} → {report.After.CalibrationInTheLarge:F4}");
    }

    private static double[] OnnxProbabilities(RegisteredVersion version, float[][] rows)
    {
        using var session = new InferenceSession(Path.Combine(version.ArtifactDirectory, OnnxModel.FileName));
        var (buffer, width) = ModelMatrix.RowMajor(rows);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxModel.InputName, new DenseTensor<float>(buffer, [rows.Length, width]))]);
        return results.First(r => r.Name == "probability").AsEnumerable<float>().Select(p => (double)p).ToArray();
    }

    [Fact]
    public void Recalibrating_to_a_known_prevalence_sets_the_mean_risk_keeps_the_threshold_and_records_the_target()
    {
        var training = ModelFixtures.Matrix(2000);
        var model = TrainedModel.Fit(training, new ModelSpec(TrainerKind.LightGbm, 30, 8), seed: 3).WithScoringInfo(0.3, training);
        var rows = ModelFixtures.Matrix(1500, seed: 9).Rows;
        var target = RecalibrationTarget.Known(2025, 0.62, "CDC's published figure");
        var recalibrated = Recalibration.Recalibrate(model, rows, target);
        Assert.Equal(0.62, recalibrated.Model.Probabilities(rows).Average(), 8);
        Assert.Equal(0.3, recalibrated.Model.Threshold);
        Assert.Equal(0.62, recalibrated.Model.Prevalence);
        Assert.Equal(RecalibrationTarget.KnownPrevalence, recalibrated.Target.Source);
        Assert.Equal(Math.Exp(recalibrated.InterceptShift), recalibrated.Model.PriorShift!.OddsFactor, 10);
        Assert.Equal(0, recalibrated.TargetMargin); // a known prevalence has no sampling error
        Assert.True(recalibrated.Supported);
        // A tiny labelled sample whose prevalence is within its own sampling error of the model's level does not support moving it.
        var level = model.Probabilities(rows).Average();
        var labels = Enumerable.Range(0, 20).Select(i => i < Math.Round(20 * level) + 1).ToArray();
        var small = Recalibration.Recalibrate(model, rows, RecalibrationTarget.FromLabelledSample(2025, labels, 1, "20 respondents"));
        Assert.NotEqual(0, small.InterceptShift);
        Assert.False(small.Supported, small.Evidence);
        Assert.Contains("within its 95 % sampling error", small.Evidence);
        Assert.Throws<ArgumentOutOfRangeException>(() => RecalibrationTarget.Known(2025, 1.2, "x"));
        Assert.Throws<ArgumentException>(() => RecalibrationTarget.FromLabelledSample(2025, [], 1, "x"));
    }
}
