using PopHealth.Modeling;
using PopHealth.Tracking;

namespace PopHealth.Steps;

/// <summary>Options for <see cref="TrainStep"/>.</summary>
/// <param name="SearchTrials">Settings the budgeted random search tries (the budget is a trial count, so the same seed
/// gives the same leaderboard).</param>
/// <param name="Sizing">The rows the sweeps cross-validate on and their halving rungs (null: <see cref="SweepSizing"/>'s defaults).</param>
/// <param name="RefitTreesGrowth">When the training rows are at least this many times the sweep rows, a boosted choice is refitted with
/// the tree count <see cref="RefitTrees"/> chooses on held-out training rows, up to
/// <paramref name="RefitTreesMultiple"/> times its own (0: never).</param>
/// <param name="ImportanceRows">Test rows permutation importance uses at most.</param>
/// <param name="ShapRows">Test rows the global SHAP summary explains (a seeded sample of the importance rows).</param>
/// <param name="AliasRecalibrated">With several survey years: the alias goes to the version recalibrated for the latest
/// year when its sample shows the model's level is off for that year (<see cref="RecalibratedModel.Supported"/>), else
/// stays on the model as trained (true); or always stays there (false).</param>
/// <param name="Promotion">What a new version must show before the alias moves to it (null:
/// <see cref="PromotionRules"/>' defaults); see <see cref="PromotionGate"/>.</param>
public sealed record TrainOptions(int SearchTrials = 24, SweepSizing? Sizing = null, int Folds = 3, int ImportanceRows = 20_000,
    int ImportanceRepeats = 3, string Experiment = "pophealth", string ModelName = WorkbookModel.Name, string Alias = WorkbookModel.Alias,
    int ShapRows = 2000, bool AliasRecalibrated = true, double RefitTreesGrowth = 3, int RefitTreesMultiple = 4, PromotionRules? Promotion = null)
{
    /// <summary>The sweep sizing in force (<see cref="Sizing"/> or the defaults).</summary>
    public SweepSizing SweepSizing => Sizing ?? new SweepSizing();

    /// <summary>The promotion rules in force (<see cref="Promotion"/> or the defaults).</summary>
    public PromotionRules PromotionRules => Promotion ?? new PromotionRules();
}
