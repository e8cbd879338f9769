using System.Reflection;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace PopHealth.Modeling;

/// <summary>ML.NET tree learners the sweeps use.</summary>
public enum TrainerKind
{
    /// <summary>Random forest (ML.NET FastForest + Platt calibration): the original's RandomForestClassifier.</summary>
    FastForest,
    /// <summary>Gradient-boosted trees, ML.NET's own (MART).</summary>
    FastTree,
    /// <summary>Gradient-boosted trees, LightGBM: the original's GBTClassifier.</summary>
    LightGbm,
}

/// <summary>
/// One model setting. Depth mapping (the original's Spark grid is by maximum depth): LightGBM takes the depth as
/// <c>MaximumTreeDepth</c> with up to 2^depth leaves; FastForest and FastTree grow leaf-wise with no depth limit, so
/// depth d becomes at most 2^d leaves (a tree of depth d has no more).
/// </summary>
public sealed record ModelSpec(TrainerKind Trainer, int Trees, int Leaves, int? MaxDepth = null, double LearningRate = 0.1,
    int MinLeaf = 20, double FeatureFraction = 1.0, double L2 = 0, string Origin = "grid")
{
    /// <summary>The original grid's setting: trees/iterations and depth, mapped as documented on <see cref="ModelSpec"/>.</summary>
    public static ModelSpec FromDepth(TrainerKind trainer, int trees, int depth) =>
        new(trainer, trees, 1 << depth, trainer == TrainerKind.LightGbm ? depth : null, LearningRate: 0.1,
            MinLeaf: trainer == TrainerKind.FastForest ? 10 : 20, FeatureFraction: trainer == TrainerKind.FastForest ? 0.7 : 1.0);

    /// <summary>The depth the setting was made from (null for a searched setting without one).</summary>
    public int? Depth => MaxDepth ?? (Origin == "grid" ? (int)Math.Round(Math.Log2(Leaves)) : null);

    /// <summary>Short description for leaderboards and run names.</summary>
    public string Settings => Trainer switch
    {
        TrainerKind.FastForest => $"trees={Trees} leaves={Leaves} min_leaf={MinLeaf} feature_fraction={F(FeatureFraction)}",
        _ => $"trees={Trees} leaves={Leaves}{(MaxDepth is { } d ? $" depth={d}" : "")} learning_rate={F(LearningRate)} min_leaf={MinLeaf} " +
            $"feature_fraction={F(FeatureFraction)}{(L2 > 0 ? $" l2={F(L2)}" : "")}",
    };

    /// <summary>Every setting as MLflow params (name → text).</summary>
    public IReadOnlyDictionary<string, string> Parameters() => new Dictionary<string, string>
    {
        ["trainer"] = Trainer.ToString(), ["trees"] = Trees.ToString(CultureInfo.InvariantCulture),
        ["leaves"] = Leaves.ToString(CultureInfo.InvariantCulture),
        ["max_depth"] = MaxDepth?.ToString(CultureInfo.InvariantCulture) ?? "none", ["learning_rate"] = F(LearningRate),
        ["min_leaf"] = MinLeaf.ToString(CultureInfo.InvariantCulture), ["feature_fraction"] = F(FeatureFraction), ["l2"] = F(L2), ["origin"] = Origin,
    };

    private static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>The ML.NET estimator for this setting: reads <c>features</c> and <c>label</c>, outputs <c>Probability</c>.</summary>
    public IEstimator<ITransformer> Estimator(MLContext context, int seed, int threads)
    {
        switch (Trainer)
        {
            case TrainerKind.LightGbm:
                return context.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
                {
                    LabelColumnName = ModelRow.LabelColumn, FeatureColumnName = ModelRow.FeaturesColumn,
                    NumberOfIterations = Trees, NumberOfLeaves = Leaves, LearningRate = LearningRate, MinimumExampleCountPerLeaf = MinLeaf,
                    NumberOfThreads = threads, Seed = seed, Deterministic = true, Silent = true, UseCategoricalSplit = false,
                    HandleMissingValue = true, MaximumBinCountPerFeature = 255,
                    Booster = new GradientBooster.Options { MaximumTreeDepth = MaxDepth ?? 0, FeatureFraction = FeatureFraction,
                        L2Regularization = L2 },
                });
            case TrainerKind.FastTree:
                return WithoutForcedCollections(context.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
                {
                    LabelColumnName = ModelRow.LabelColumn, FeatureColumnName = ModelRow.FeaturesColumn,
                    NumberOfTrees = Trees, NumberOfLeaves = Leaves, LearningRate = LearningRate, MinimumExampleCountPerLeaf = MinLeaf,
                    FeatureFraction = FeatureFraction, NumberOfThreads = threads, Seed = seed,
                }));
            default:
                return WithoutForcedCollections(context.BinaryClassification.Trainers.FastForest(new FastForestBinaryTrainer.Options
                {
                    LabelColumnName = ModelRow.LabelColumn, FeatureColumnName = ModelRow.FeaturesColumn,
                    NumberOfTrees = Trees, NumberOfLeaves = Leaves, MinimumExampleCountPerLeaf = MinLeaf,
                    FeatureFraction = FeatureFraction, NumberOfThreads = threads, Seed = seed,
                })).Append(context.BinaryClassification.Calibrators.Platt(labelColumnName: ModelRow.LabelColumn));
        }
    }

    private static T WithoutForcedCollections<T>(T trainer) where T : class
    {
        ForcedCollections(trainer)?.SetValue(trainer, false);
        return trainer;
    }

    /// <summary>ML.NET's <c>AllowGC</c> field of a FastTree-family trainer (declared on its generic base), or null.</summary>
    private static FieldInfo? ForcedCollections(object trainer)
    {
        for (var type = trainer.GetType(); type is not null; type = type.BaseType)
            if (type.GetField("AllowGC", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.DeclaredOnly) is { } field
                && field.FieldType == typeof(bool))
                return field;
        return null;
    }
}
