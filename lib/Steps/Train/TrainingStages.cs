using PopHealth.Features;
using PopHealth.Modeling;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>Stage 1, plan: the feature table, its recipe, the split, the test sets and the rows the sweeps use.</summary>
public sealed class TrainingPlan
{
    public required WorkbookParameters Parameters { get; init; }
    public required TrainOptions Options { get; init; }
    public required FeatureSet Features { get; init; }
    public required ModelMatrix Data { get; init; }
    public required DataSplit Split { get; init; }
    /// <summary>
    /// Named test sets; the first is the headline (the original's balanced one for <c>seed</c>, natural prevalence for
    /// <c>improved</c>).
    /// </summary>
    public required IReadOnlyList<(string Name, int[] Rows)> TestSets { get; init; }
    /// <summary>Balanced training's map back to the population's prevalence (the <c>seed</c> recipe), else null.</summary>
    public required PriorShift? Shift { get; init; }
    public required int[] SweepRows { get; init; }
    /// <summary>Each respondent's survey year when the features hold several years (else null): next-year validation runs then.</summary>
    public required int[]? Years { get; init; }

    /// <summary>The recipe, as the features file records it (not as the environment says).</summary>
    public Recipe Recipe => Features.Recipe;
    public int Seed => Parameters.Seed;

    /// <summary>What 03 decided about candidate features (e.g. the interview month), and why; or that there were none.</summary>
    public string CandidateSummary => Features.Candidates.Count == 0
        ? "No candidate features in these features (the source has no interview month): nothing was decided."
        : string.Join(" ", Features.Candidates.Select(c => c.Reason)) + " (decided in 03 on this split's training respondents only.)";

    public string Describe() =>
        $"{Recipe.Name()} recipe{TrainGuards.RecipeNote(Parameters, Features)}: {Data.Count:N0} respondents, {Data.FeatureNames.Count} features; " +
        $"train {Split.Train.Length:N0} (sweeps on {SweepRows.Length:N0}), test {Split.Test.Length:N0}; {Split.Description}";
}

/// <summary>Stage 3, choose: the best setting, its operating threshold (best out-of-fold F1) and its refit on all training rows.</summary>
public sealed record ChosenModel(TrialResult Trial, double Threshold, TrainedModel Model)
{
    /// <summary>
    /// How the refit's tree count was chosen, when the training rows were many times the sweep's (null: the sweep's
    /// setting as it is).
    /// </summary>
    public RefitTreesChoice? RefitTrees { get; init; }

    /// <summary>One line: the setting, its cross-validated AUC, the threshold and, when chosen, the refit's trees.</summary>
    public string Summary =>
        $"chosen: {Trial.Name} ({Trial.Spec.Trainer}, {Trial.Spec.Settings}), CV AUC {Trial.MeanAuc:F4} ± {Trial.SdAuc:F4}; " +
        $"threshold {Threshold:F3}" +
        (RefitTrees is { } trees ? $"; {trees.Describe()}" : "");

    /// <summary>The model's export (ONNX graph, trees and their cover), made once at first use by SHAP or registration.</summary>
    public ModelExport Export => export is { } made && ReferenceEquals(made.Model, Model) ? made : export = ModelExport.Create(Model, TrainingRows);

    /// <summary>The rows the model was fitted on, for its trees' cover.</summary>
    public IReadOnlyList<float[]>? TrainingRows { get; init; }

    private ModelExport? export;
}

/// <summary>Everything 04-train produced.</summary>
public sealed class TrainingResult
{
    public required TrainingPlan Plan { get; init; }
    public required TrainingSweeps Sweeps { get; init; }
    public required ChosenModel Chosen { get; init; }
    public required IReadOnlyList<TestEvaluation> Evaluations { get; init; }
    public required IReadOnlyList<NextYearResult> NextYear { get; init; }
    /// <summary>The model recalibrated for the latest survey year (several years, <c>improved</c>), else null.</summary>
    public RecalibrationReport? Recalibration { get; init; }
    public required ModelCardReport Card { get; init; }
    public required Registration Registration { get; init; }
    public required TimeSpan Elapsed { get; init; }

    public IReadOnlyList<TestReport> Tests => Evaluations.Select(e => e.Report).ToArray();
    public TestReport Headline => Evaluations[0].Report;
    /// <summary>Every test set's metrics as one table.</summary>
    public IReadOnlyList<MetricLine> Metrics => Tests.SelectMany(t => t.Lines()).ToArray();
    public RegisteredVersion Registered => Registration.Version;
}

