namespace PopHealth.Workbook;

/// <summary>Small statistics every stage uses (shuffling, ranking AUC); kept here so that stages need not borrow from each other.</summary>
public static class Statistics
{
    /// <summary>Shuffles a copy of <paramref name="items"/> (Fisher–Yates, seeded).</summary>
    public static int[] Shuffle(IEnumerable<int> items, Random random)
    {
        var array = items.ToArray();
        for (var i = array.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (array[i], array[j]) = (array[j], array[i]);
        }
        return array;
    }

    /// <summary>Area under the ROC curve; tied scores count half. NaN when only one class is present.</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, IReadOnlyList<double>? weights = null)
    {
        CheckScores(scores, labels, weights);
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        double tp = 0, fp = 0, area = 0;
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            double dtp = 0, dfp = 0;
            while (end < order.Length && scores[order[end]] == scores[order[start]])
            {
                var w = weights?[order[end]] ?? 1;
                if (labels[order[end]]) dtp += w; else dfp += w;
                end++;
            }
            area += dfp * (tp + dtp / 2);
            tp += dtp;
            fp += dfp;
            start = end;
        }
        return tp == 0 || fp == 0 ? double.NaN : area / (tp * fp);
    }

    /// <summary>Scores, labels (and weights) line up and no score is NaN.</summary>
    public static void CheckScores(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, IReadOnlyList<double>? weights = null)
    {
        if (scores.Count != labels.Count) throw new ArgumentException($"{scores.Count} scores but {labels.Count} labels.");
        if (weights is not null && weights.Count != labels.Count) throw new ArgumentException($"{weights.Count} weights but {labels.Count} labels.");
        for (var i = 0; i < scores.Count; i++)
            if (double.IsNaN(scores[i])) throw new ArgumentException($"Score {i} is NaN.");
    }
}
