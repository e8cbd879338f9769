using PopHealth.Modeling;

namespace PopHealth.Scoring;

/// <summary>One feature's part in one respondent's predicted risk (exact TreeSHAP, population-level probability terms).</summary>
public sealed record Driver(string RespondentId, double Probability, string Feature, double? Value, double Contribution);

/// <summary>
/// The top drivers of each scored row, from exact TreeSHAP on the registered model's trees (with the cover saved at
/// registration): the features whose contributions move the row's risk most, in population-level probability terms
/// (the log-odds contributions scaled to sum to the row's probability minus the base, see <see cref="ShapValues.ToProbabilityScale"/>).
/// </summary>
public sealed class RowDrivers(TreeEnsemble trees, ModelSignature signature, int top)
{
    public int Top { get; } = top;

    /// <summary>
    /// The explainer of a loaded model, or null when it has no compiled trees or no saved cover (explanations are then
    /// skipped, and said so).
    /// </summary>
    public static RowDrivers? For(ScoringModel model, int top) =>
        top <= 0 || model.ExplainableTrees is not { } trees ? null : new RowDrivers(trees, model.Signature, top);

    /// <summary>
    /// Every feature's contribution for each of <paramref name="rows"/> (row-major), as <see cref="Driver"/> records,
    /// the <see cref="Top"/> largest per row.
    /// </summary>
    public IReadOnlyList<Driver> Drivers(IReadOnlyList<float[]> rows, IReadOnlyList<string> ids, IReadOnlyList<double> probabilities)
    {
        var (buffer, width) = ModelMatrix.RowMajor(rows);
        var top = Explain(buffer, rows.Count, width, probabilities.Select(p => (double?)p).ToArray());
        return Enumerable.Range(0, rows.Count)
            .SelectMany(r => top[r]!.Select(d => new Driver(ids[r], probabilities[r], d.Feature, d.Value, d.Contribution))).ToArray();
    }

    /// <summary>
    /// For each row (null where it was not scored): its top features, their values and their contributions, largest
    /// magnitude first.
    /// </summary>
    public (string Feature, double? Value, double Contribution)[]?[] Explain(float[] buffer, int rows, int width,
        IReadOnlyList<double?> probabilities)
    {
        var shap = TreeShap.Explain(trees, buffer, rows, width)
            .ToProbabilityScale(m => signature.Population(trees.ProbabilityOfMargin(m)));
        var result = new (string, double?, double)[]?[rows];
        for (var r = 0; r < rows; r++)
        {
            if (probabilities[r] is null) continue;
            var contributions = shap.Row(r).ToArray();
            result[r] = Enumerable.Range(0, contributions.Length).OrderByDescending(j => Math.Abs(contributions[j])).Take(Top)
                .Select(j => (signature.Features[j], float.IsNaN(buffer[r * width + j]) ? (double?)null : buffer[r * width + j], contributions[j]))
                .ToArray();
        }
        return result;
    }
}
