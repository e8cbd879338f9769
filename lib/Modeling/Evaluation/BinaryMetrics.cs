using PopHealth.Workbook;

namespace PopHealth.Modeling;

/// <summary>Counts of a binary classification at one threshold.</summary>
public sealed record ConfusionMatrix(long TruePositive, long FalsePositive, long TrueNegative, long FalseNegative)
{
    public long Total => TruePositive + FalsePositive + TrueNegative + FalseNegative;
}

/// <summary>Threshold-dependent metrics (precision is 0 when nothing is predicted positive).</summary>
public sealed record ThresholdMetrics(double Threshold, double Accuracy, double Precision, double Recall, double F1,
    double FalsePositiveRate, ConfusionMatrix Confusion);

/// <summary>A point of a ROC (x = false-positive rate, y = true-positive rate) or precision–recall curve (x = recall, y = precision).</summary>
public sealed record CurvePoint(double X, double Y, double Threshold);

/// <summary>One bin of a reliability curve: mean predicted probability against the observed rate.</summary>
public sealed record ReliabilityBin(double MeanPredicted, double ObservedRate, long Count);

/// <summary>Metrics of predicted probabilities against true labels, optionally weighted (survey weights).</summary>
public static class BinaryMetrics
{
    /// <summary>Accuracy, precision, recall and F1 when scores at or above <paramref name="threshold"/> are called positive.</summary>
    public static ThresholdMetrics AtThreshold(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, double threshold = 0.5)
    {
        Statistics.CheckScores(scores, labels);
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            var positive = scores[i] >= threshold;
            if (positive && labels[i]) tp++;
            else if (positive) fp++;
            else if (labels[i]) fn++;
            else tn++;
        }
        double precision = tp + fp == 0 ? 0 : tp / (double)(tp + fp);
        double recall = tp + fn == 0 ? 0 : tp / (double)(tp + fn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        var total = Math.Max(1, tp + fp + tn + fn);
        return new(threshold, (tp + tn) / (double)total, precision, recall, f1, fp + tn == 0 ? 0 : fp / (double)(fp + tn), new(tp, fp, tn, fn));
    }

    /// <summary>The threshold (among the observed scores) that maximises F1: the documented "chosen" operating point.</summary>
    public static double BestF1Threshold(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        Statistics.CheckScores(scores, labels);
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        long positives = labels.LongCount(l => l), tp = 0, called = 0;
        double best = -1, bestThreshold = 0.5;
        for (var k = 0; k < order.Length; k++)
        {
            called++;
            if (labels[order[k]]) tp++;
            if (k + 1 < order.Length && scores[order[k + 1]] == scores[order[k]]) continue;
            var f1 = 2.0 * tp / (called + positives);
            if (f1 > best) { best = f1; bestThreshold = scores[order[k]]; }
        }
        return bestThreshold;
    }

    /// <summary>Mean squared difference between probability and outcome.</summary>
    public static double Brier(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels)
    {
        Statistics.CheckScores(probabilities, labels);
        return probabilities.Count == 0 ? double.NaN
            : probabilities.Select((p, i) => (p - (labels[i] ? 1 : 0)) * (p - (labels[i] ? 1 : 0))).Average();
    }

    /// <summary>The ROC curve, one point per distinct score (thinned to at most <paramref name="maxPoints"/>).</summary>
    public static IReadOnlyList<CurvePoint> Roc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, int maxPoints = 200) =>
        Sweep(scores, labels, maxPoints, (tp, fp, p, n) => (fp / n, tp / p), start: new CurvePoint(0, 0, double.PositiveInfinity));

    /// <summary>The precision–recall curve, one point per distinct score (thinned to at most <paramref name="maxPoints"/>).</summary>
    public static IReadOnlyList<CurvePoint> PrecisionRecall(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, int maxPoints = 200) =>
        Sweep(scores, labels, maxPoints, (tp, fp, p, n) => (tp / p, tp / (tp + fp)), start: null);

    private static IReadOnlyList<CurvePoint> Sweep(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, int maxPoints,
        Func<double, double, double, double, (double X, double Y)> point, CurvePoint? start)
    {
        Statistics.CheckScores(scores, labels);
        double positives = labels.Count(l => l), negatives = labels.Count - positives;
        if (positives == 0 || negatives == 0) return [];
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        var points = new List<CurvePoint>();
        if (start is not null) points.Add(start);
        double tp = 0, fp = 0;
        for (var k = 0; k < order.Length; k++)
        {
            if (labels[order[k]]) tp++; else fp++;
            if (k + 1 < order.Length && scores[order[k + 1]] == scores[order[k]]) continue;
            var (x, y) = point(tp, fp, positives, negatives);
            points.Add(new(x, y, scores[order[k]]));
        }
        if (points.Count <= maxPoints) return points;
        var step = (points.Count - 1) / (double)(maxPoints - 1);
        return Enumerable.Range(0, maxPoints).Select(i => points[(int)Math.Round(i * step)]).ToArray();
    }

    /// <summary>Reliability curve: scores cut into <paramref name="bins"/> equal-width bins on [0, 1]; empty bins are left out.</summary>
    public static IReadOnlyList<ReliabilityBin> Reliability(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels, int bins = 10)
    {
        Statistics.CheckScores(probabilities, labels);
        var sums = new double[bins];
        var hits = new double[bins];
        var counts = new long[bins];
        for (var i = 0; i < probabilities.Count; i++)
        {
            var b = Math.Clamp((int)(probabilities[i] * bins), 0, bins - 1);
            sums[b] += probabilities[i];
            hits[b] += labels[i] ? 1 : 0;
            counts[b]++;
        }
        return Enumerable.Range(0, bins).Where(b => counts[b] > 0)
            .Select(b => new ReliabilityBin(sums[b] / counts[b], hits[b] / counts[b], counts[b])).ToArray();
    }

    /// <summary>Calibration in the large: mean predicted probability minus the observed rate (positive = risk overstated).</summary>
    public static double CalibrationInTheLarge(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels)
    {
        Statistics.CheckScores(probabilities, labels);
        return probabilities.Count == 0 ? double.NaN : probabilities.Average() - labels.Count(l => l) / (double)labels.Count;
    }
}
