using PopHealth.Modeling;
using PopHealth.Workbook;

namespace PopHealth.Tests.Modeling;

[Trait("Category", "Unit")]
public class BinaryMetricsTests
{
    private static readonly double[] Scores = [0.1, 0.4, 0.35, 0.8];
    private static readonly bool[] Labels = [false, false, true, true];

    [Fact]
    public void Auc_matches_hand_counts_including_ties_and_weights()
    {
        // Pairs (positive, negative): (0.35, 0.1) ✓, (0.35, 0.4) ✗, (0.8, 0.1) ✓, (0.8, 0.4) ✓ → 3/4.
        Assert.Equal(0.75, Statistics.Auc(Scores, Labels), 12);
        Assert.Equal(0.5, Statistics.Auc([0.5, 0.5], [true, false]), 12);
        Assert.True(double.IsNaN(Statistics.Auc([0.2, 0.3], [true, true])));
        // Weight 2 on a row is the same as the row twice.
        var weighted = Statistics.Auc(Scores, Labels, [1, 2, 1, 1]);
        var duplicated = Statistics.Auc([.. Scores, 0.4], [.. Labels, false]);
        Assert.Equal(duplicated, weighted, 12);
        Assert.Throws<ArgumentException>(() => Statistics.Auc([0.1], [true, false]));
        Assert.Throws<ArgumentException>(() => Statistics.Auc([double.NaN, 0.3], [true, false]));
    }

    [Fact]
    public void Threshold_metrics_match_the_confusion_matrix()
    {
        var m = BinaryMetrics.AtThreshold(Scores, Labels, 0.38);
        // Called positive: 0.4 (no), 0.8 (yes). TP 1, FP 1, TN 1, FN 1.
        Assert.Equal(new ConfusionMatrix(1, 1, 1, 1), m.Confusion);
        Assert.Equal(0.5, m.Accuracy);
        Assert.Equal(0.5, m.Precision);
        Assert.Equal(0.5, m.Recall);
        Assert.Equal(0.5, m.F1);
        var none = BinaryMetrics.AtThreshold(Scores, Labels, 0.9);
        Assert.Equal(0, none.Precision);
        Assert.Equal(0, none.F1);
        // Best F1: call 0.35 and above positive → TP 2, FP 1 → F1 = 4/5.
        Assert.Equal(0.35, BinaryMetrics.BestF1Threshold(Scores, Labels));
    }

    [Fact]
    public void Brier_reliability_and_calibration_in_the_large()
    {
        Assert.Equal((0.01 + 0.16 + 0.4225 + 0.04) / 4, BinaryMetrics.Brier(Scores, Labels), 12);
        var bins = BinaryMetrics.Reliability(Scores, Labels, bins: 2);
        Assert.Equal(2, bins.Count);
        Assert.Equal((0.1 + 0.4 + 0.35) / 3, bins[0].MeanPredicted, 12);
        Assert.Equal(1 / 3.0, bins[0].ObservedRate, 12);
        Assert.Equal(3, bins[0].Count);
        Assert.Equal(1.0, bins[1].ObservedRate);
        Assert.Equal(Scores.Average() - 0.5, BinaryMetrics.CalibrationInTheLarge(Scores, Labels), 12);
    }

    [Fact]
    public void Roc_runs_from_the_origin_to_one_one_and_pr_ends_at_full_recall()
    {
        var roc = BinaryMetrics.Roc(Scores, Labels);
        Assert.Equal((0.0, 0.0), (roc[0].X, roc[0].Y));
        Assert.Equal((1.0, 1.0), (roc[^1].X, roc[^1].Y));
        Assert.Equal([0.0, 0.0, 0.5, 0.5, 1.0], roc.Select(p => p.X));
        Assert.Equal([0.0, 0.5, 0.5, 1.0, 1.0], roc.Select(p => p.Y));
        var pr = BinaryMetrics.PrecisionRecall(Scores, Labels);
        Assert.Equal(1.0, pr[^1].X);
        Assert.Equal(0.5, pr[^1].Y);
        Assert.Equal(1.0, pr[0].Y);
        var many = Enumerable.Range(0, 1000).Select(i => i / 1000.0).ToArray();
        Assert.Equal(50, BinaryMetrics.Roc(many, many.Select(v => v > 0.3).ToArray(), maxPoints: 50).Count);
    }
}
