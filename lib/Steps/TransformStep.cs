using PopHealth.Features;
using PopHealth.Modeling;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>
/// The transform step: <c>&lt;data&gt;/interim/brfss.parquet</c> through the recipe named by <c>POPHEALTH_RECIPE</c>
/// into <c>&lt;data&gt;/processed/features.parquet</c> (written atomically, with its data dictionary, row accounting and
/// the decisions on candidate features). Downstream steps take the recipe from that file, never from the environment.
/// </summary>
public static class TransformStep
{
    public static async Task<FeatureSet> RunAsync(WorkbookParameters parameters, CandidateOptions? candidates = null,
        IProgress<string>? progress = null)
    {
        var features = await FeatureBuilder.BuildAsync(parameters.InterimBrfss, parameters.Recipe);
        features = DecideCandidates(features, parameters.Seed, candidates, progress);
        await features.WriteAsync(parameters.ProcessedFeatures);
        return features;
    }

    /// <summary>
    /// Each candidate feature the table holds (<see cref="FeatureBuilder.Candidates"/>, e.g. the interview month) cross-validated
    /// with and without on the training respondents of the split 04 will use (<see cref="TrainingSplits.For"/>), and kept
    /// only when it helps (<see cref="CandidateSelection"/>); the decision is recorded in the table.
    /// </summary>
    public static FeatureSet DecideCandidates(FeatureSet features, int seed, CandidateOptions? options = null, IProgress<string>? progress = null)
    {
        foreach (var candidate in FeatureBuilder.Candidates.Where(c => features.FeatureNames.Contains(c)))
        {
            progress?.Report($"candidate {candidate}: cross-validating with and without it on training respondents");
            var data = ModelMatrix.From(features);
            var train = TrainingSplits.For(features, data, seed).Split.Train;
            features = features.WithDecision(CandidateSelection.Decide(data, train, candidate, seed, options));
        }
        return features;
    }
}
