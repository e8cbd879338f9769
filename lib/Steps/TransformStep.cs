using PopHealth.Features;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>
/// The transform step: <c>&lt;data&gt;/interim/brfss.parquet</c> through the recipe named by <c>POPHEALTH_RECIPE</c>
/// into <c>&lt;data&gt;/processed/features.parquet</c> (written atomically, with its data dictionary and row accounting).
/// Downstream steps take the recipe from that file, never from the environment.
/// </summary>
public static class TransformStep
{
    public static async Task<FeatureSet> RunAsync(WorkbookParameters parameters)
    {
        var features = await FeatureBuilder.BuildAsync(parameters.InterimBrfss, parameters.Recipe);
        await features.WriteAsync(parameters.ProcessedFeatures);
        return features;
    }
}
