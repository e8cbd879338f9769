using System.Globalization;
using Microsoft.Data.Analysis;
using PopHealth.Population.Dashboard;
using PopHealth.Scoring;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>What 06 scored, for the dashboard: read back from its predictions file and the registry, when 06 ran on this data root.</summary>
public static class ReportScoring
{
    private static readonly string[] Columns = ["probability", "risk_tier", "model_name", "model_version"];

    /// <summary>The risk tiers of 06's predictions and the scoring model's card, or null when there are no predictions.</summary>
    public static async Task<ScoringSummary?> SummaryAsync(WorkbookParameters parameters)
    {
        if (!File.Exists(parameters.Predictions)) return null;
        var predictions = await ParquetFrames.ReadAsync(parameters.Predictions, Columns);
        var tiers = (StringDataFrameColumn)predictions.Columns["risk_tier"];
        var probability = predictions.Columns["probability"];
        var scored = Enumerable.Range(0, (int)predictions.Rows.Count).Where(i => tiers[i] is not null).ToArray();
        if (scored.Length == 0) return null;
        var counts = RiskTiers.All.Select(t => new RiskTierCount(t.Name, scored.LongCount(i => tiers[i] == t.Name))).ToArray();
        var mean = scored.Average(i => Convert.ToDouble(probability[i], CultureInfo.InvariantCulture));
        var name = (string)predictions.Columns["model_name"][scored[0]];
        var version = Convert.ToInt32(predictions.Columns["model_version"][scored[0]], CultureInfo.InvariantCulture);
        return new ScoringSummary($"models:/{name}/{version}", Path.GetFileName(parameters.ScoreInput), scored.Length, mean, counts,
            Card(parameters, name, version));
    }

    /// <summary>The scoring model's headline figures as its final run logged them (empty when the registry no longer has it).</summary>
    private static IReadOnlyList<(string Name, string Value)> Card(WorkbookParameters parameters, string name, int version)
    {
        if (!Directory.Exists(parameters.MlRuns)) return [];
        var store = new MlflowStore(parameters.MlRuns);
        RegisteredVersion registered;
        try { registered = store.Resolve($"models:/{name}/{version}"); }
        catch (KeyNotFoundException) { return [("model", $"version {version} is no longer in the registry")]; }
        var run = store.FindRun(registered.RunId);
        string Metric(string key) => run?.Metrics.TryGetValue(key, out var v) == true ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "–";
        return
        [
            ("recipe", run?.Params.GetValueOrDefault(TrainingRunLog.RecipeParam) ?? "–"),
            ("features", run?.Params.GetValueOrDefault(TrainingRunLog.FeaturesParam) is { } f
                ? f.Split(',').Length.ToString(CultureInfo.InvariantCulture) : "–"),
            ("test set", run?.Params.GetValueOrDefault(TrainingRunLog.TestSetParam) ?? "–"),
            ("test AUC", Metric(TrainingRunLog.AucMetric)),
            ("test Brier score", Metric("test_brier")),
            ("calibration in the large (mean predicted − observed)", Metric("test_calibration_in_the_large")),
            ("promotion", registered.Tags.GetValueOrDefault(PromotionGate.Tag, "–")),
        ];
    }
}
