using PopHealth.Modeling;

namespace PopHealth.Scoring;

/// <summary>One feature's part in one respondent's predicted risk.</summary>
public sealed record Driver(string RespondentId, double Probability, string Feature, double? Value, double Contribution);

/// <summary>
/// Per-row feature contributions for any model: a feature's contribution is the respondent's probability minus the
/// mean probability when that feature alone takes the values of a background sample of respondents (the other
/// features kept). Positive = this answer raises the respondent's risk compared with typical answers.
/// </summary>
public static class Explanations
{
    public static IReadOnlyList<Driver> Drivers(TrainedModel model, IReadOnlyList<float[]> rows, IReadOnlyList<string> ids,
        IReadOnlyList<float[]> background, int topPerRow = 5)
    {
        if (rows.Count != ids.Count) throw new ArgumentException("One id per row is needed.");
        if (background.Count == 0) throw new ArgumentException("A background sample is needed.");
        var k = model.FeatureNames.Count;
        var baseline = model.Probabilities(rows);
        var variants = new List<float[]>(rows.Count * k * background.Count);
        foreach (var row in rows)
            for (var j = 0; j < k; j++)
                foreach (var b in background)
                {
                    var copy = (float[])row.Clone();
                    copy[j] = b[j];
                    variants.Add(copy);
                }
        var p = model.Probabilities(variants);
        var drivers = new List<Driver>();
        for (var r = 0; r < rows.Count; r++)
        {
            var contributions = Enumerable.Range(0, k).Select(j =>
            {
                var start = (r * k + j) * background.Count;
                var mean = 0.0;
                for (var b = 0; b < background.Count; b++) mean += p[start + b];
                return (Feature: j, Value: baseline[r] - mean / background.Count);
            });
            drivers.AddRange(contributions.OrderByDescending(c => Math.Abs(c.Value)).Take(topPerRow)
                .Select(c => new Driver(ids[r], Math.Round(baseline[r], 4), model.FeatureNames[c.Feature],
                    float.IsNaN(rows[r][c.Feature]) ? null : rows[r][c.Feature], Math.Round(c.Value, 4))));
        }
        return drivers;
    }
}
