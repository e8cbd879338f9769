using PopHealth.Features;
using PopHealth.Modeling;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>
/// What 04 checks about its inputs and its result beyond the training itself: that <c>POPHEALTH_RECIPE</c>, when set, names
/// the recipe the features were made with, and what the promotion gate (<see cref="PromotionGate"/>) is shown of the result.
/// </summary>
public static class TrainGuards
{
    /// <summary>
    /// 04 trains on the features as 03 made them, so their recipe is the one used. A <c>POPHEALTH_RECIPE</c> set to another
    /// is refused, naming the variable and the fix, rather than ignored.
    /// </summary>
    public static void RequireRecipe(WorkbookParameters parameters, FeatureSet features)
    {
        if (!SetInEnvironment(parameters) || parameters.Recipe == features.Recipe) return;
        throw new WorkbookParameterException(WorkbookVariables.Recipe, parameters.Recipe.Name(),
            $"'{features.Recipe.Name()}', the recipe {parameters.ProcessedFeatures} was made with " +
            $"(04 trains on the features as 03-transform made them): run 03-transform with {WorkbookVariables.Recipe}={parameters.Recipe.Name()} " +
            $"first, or set it to {features.Recipe.Name()} or unset it to train on these features");
    }

    /// <summary>For the plan's line: where the recipe came from, when the variable's default differs from it (else empty).</summary>
    public static string RecipeNote(WorkbookParameters parameters, FeatureSet features) =>
        SetInEnvironment(parameters) || parameters.Recipe == features.Recipe ? ""
            : $" (as 03-transform made the features; {WorkbookVariables.Recipe} is not set and its default, {parameters.Recipe.Name()}, " +
                $"does not apply)";

    private static bool SetInEnvironment(WorkbookParameters parameters) =>
        parameters.Sources.TryGetValue(WorkbookVariables.Recipe, out var source) && source == "environment";

    /// <summary>The headline test's result as the promotion gate compares it (and as the final run logs it for later gates).</summary>
    public static PromotionCandidate Candidate(TrainingPlan plan, TestReport headline) =>
        new(plan.Recipe.Name(), plan.Data.FeatureNames.ToArray(), headline.TestSet, headline.Rows,
            (long)Math.Round(headline.Prevalence * headline.Rows), headline.Auc);
}
