using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace PopHealth.Modeling;

/// <summary>
/// Scores of the first k trees of a fitted tree ensemble, for every k at once. A boosted model's first k trees are
/// exactly the model trained for k iterations; a forest's first k trees are a k-tree forest (independent trees).
/// The grid's 20/40/60/80-iteration and 100/200/300-tree settings of one depth therefore need one fit, not several.
/// The per-tree outputs come from ML.NET's own tree featurizer, so missing values are routed as in scoring.
/// </summary>
internal static class StagedEnsemble
{
    /// <summary>
    /// Staged raw scores (bias + weighted sum of the first k trees) of <paramref name="rows"/> for each k in
    /// <paramref name="treeCounts"/>, or null when the model is not a tree ensemble this can read or when the full
    /// staged score does not reproduce the model's own score (then the caller fits each setting separately).
    /// </summary>
    public static double[][]? Scores(TrainedModel model, IReadOnlyList<float[]> rows, IReadOnlyList<int> treeCounts)
    {
        var ensemble = Find(model.Transformer);
        if (ensemble is null) return null;
        var (weights, bias) = ensemble switch
        {
            TreeEnsembleModelParametersBasedOnRegressionTree r => (r.TrainedTreeEnsemble.TreeWeights, r.TrainedTreeEnsemble.Bias),
            TreeEnsembleModelParametersBasedOnQuantileRegressionTree q => (q.TrainedTreeEnsemble.TreeWeights, q.TrainedTreeEnsemble.Bias),
            _ => (null, 0.0),
        };
        if (weights is null || treeCounts.Any(k => k > weights.Count)) return null;
        var context = model.Context;
        var view = context.Data.LoadFromEnumerable(rows.Select(r => new ModelRow { Features = r }), ModelMatrix.Schema(model.FeatureNames.Count));
        var featurizer = context.Transforms.FeaturizeByPretrainTreeEnsemble(new PretrainedTreeFeaturizationEstimator.Options
        {
            InputColumnName = ModelRow.FeaturesColumn, ModelParameters = ensemble, TreesColumnName = "Trees", LeavesColumnName = null,
            PathsColumnName = null,
        }).Fit(view);
        var perTree = featurizer.Transform(view).GetColumn<VBuffer<float>>("Trees").Select(v => v.DenseValues().ToArray()).ToArray();
        var ownScores = model.Transformer.Transform(view).GetColumn<float>("Score").ToArray();

        var result = treeCounts.Select(_ => new double[rows.Count]).ToArray();
        var order = treeCounts.Select((k, i) => (k, i)).OrderBy(x => x.k).ToArray();
        for (var r = 0; r < rows.Count; r++)
        {
            var sum = bias;
            var t = 0;
            foreach (var (k, i) in order)
            {
                for (; t < k; t++) sum += weights[t] * perTree[r][t];
                result[i][r] = sum;
            }
            for (; t < weights.Count; t++) sum += weights[t] * perTree[r][t];
            // The whole ensemble must give the model's own score, or the staged scores cannot be trusted.
            if (Math.Abs(sum - ownScores[r]) > 1e-3 * (1 + Math.Abs(ownScores[r]))) return null;
        }
        return result;
    }

    private static TreeEnsembleModelParameters? Find(ITransformer transformer)
    {
        switch (transformer)
        {
            case ISingleFeaturePredictionTransformer<object> prediction:
                return prediction.Model switch
                {
                    TreeEnsembleModelParameters e => e,
                    // Calibrated models (LightGbm, FastTree) wrap the ensemble as their SubModel.
                    var calibrated => calibrated.GetType().GetProperties().Where(p => p.Name == "SubModel")
                        .Select(p => p.GetValue(calibrated)).OfType<TreeEnsembleModelParameters>().FirstOrDefault(),
                };
            case IEnumerable<ITransformer> chain:
                return chain.Select(Find).FirstOrDefault(e => e is not null);
            default:
                return null;
        }
    }
}
