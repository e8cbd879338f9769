using PopHealth.Workbook;

namespace PopHealth.Modeling;

/// <summary>A model's metrics on one test set.</summary>
public sealed record TestReport(
    string TestSet, long Rows, double Prevalence, double Auc, double Brier, double CalibrationInTheLarge,
    ThresholdMetrics AtHalf, ThresholdMetrics AtChosen,
    IReadOnlyList<CurvePoint> Roc, IReadOnlyList<CurvePoint> PrecisionRecall, IReadOnlyList<ReliabilityBin> Reliability)
{
    /// <summary>The results table's lines: metric name and value.</summary>
    public IReadOnlyList<MetricLine> Lines() =>
    [
        new(TestSet, "rows", Rows), new(TestSet, "prevalence", Math.Round(Prevalence, 4)), new(TestSet, "AUC", Math.Round(Auc, 4)),
        new(TestSet, "accuracy @0.5", Math.Round(AtHalf.Accuracy, 4)), new(TestSet, "precision @0.5", Math.Round(AtHalf.Precision, 4)),
        new(TestSet, "recall @0.5", Math.Round(AtHalf.Recall, 4)), new(TestSet, "F1 @0.5", Math.Round(AtHalf.F1, 4)),
        new(TestSet, $"chosen threshold (best out-of-fold F1)", Math.Round(AtChosen.Threshold, 4)),
        new(TestSet, "accuracy @chosen", Math.Round(AtChosen.Accuracy, 4)), new(TestSet, "precision @chosen", Math.Round(AtChosen.Precision, 4)),
        new(TestSet, "recall @chosen", Math.Round(AtChosen.Recall, 4)), new(TestSet, "F1 @chosen", Math.Round(AtChosen.F1, 4)),
        new(TestSet, "Brier score", Math.Round(Brier, 4)),
        new(TestSet, "calibration in the large (mean predicted − observed)", Math.Round(CalibrationInTheLarge, 4)),
    ];

    /// <summary>The confusion matrix at the chosen threshold as rows (actual × predicted).</summary>
    public IReadOnlyList<ConfusionRow> Confusion(bool chosen = true)
    {
        var m = (chosen ? AtChosen : AtHalf).Confusion;
        return [new("actual fair/poor", m.TruePositive, m.FalseNegative), new("actual good or better", m.FalsePositive, m.TrueNegative)];
    }
}

/// <summary>One metric of one test set.</summary>
public sealed record MetricLine(string TestSet, string Metric, double Value);

/// <summary>A row of a confusion matrix.</summary>
public sealed record ConfusionRow(string Actual, long PredictedFairPoor, long PredictedGood);

/// <summary>Evaluation of probabilities on a test set.</summary>
public static class Evaluation
{
    public static TestReport Evaluate(string testSet, IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels, double chosenThreshold) =>
        new(testSet, labels.Count, labels.Count(l => l) / (double)Math.Max(1, labels.Count),
            Statistics.Auc(probabilities, labels), BinaryMetrics.Brier(probabilities, labels),
            BinaryMetrics.CalibrationInTheLarge(probabilities, labels), BinaryMetrics.AtThreshold(probabilities, labels, 0.5),
            BinaryMetrics.AtThreshold(probabilities, labels, chosenThreshold), BinaryMetrics.Roc(probabilities, labels),
            BinaryMetrics.PrecisionRecall(probabilities, labels), BinaryMetrics.Reliability(probabilities, labels));
}
