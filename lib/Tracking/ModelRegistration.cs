using System.Globalization;
using PopHealth.Modeling;

namespace PopHealth.Tracking;

/// <summary>What a run registers: the model's registry name and alias, and where its recalibrated version goes.</summary>
/// <param name="AliasRecalibrated">Whether the alias may go to the recalibrated version (when its sample supports it)
/// rather than the model as trained.</param>
public sealed record RegistrationRequest(string ModelName, string Alias, bool AliasRecalibrated = true);

/// <summary>
/// Registers a finished run's model in the registry: the model as trained and, with a recalibration, the recalibrated model as
/// the next version (tags say what was done and name the parent); tags each with the promotion decision and, when it promotes,
/// moves the alias. A failure part-way removes the versions this call registered, so none is left without its tags.
/// </summary>
public static class ModelRegistration
{
    /// <summary>
    /// The artifact path of the recalibrated model inside the final run (the model as trained is at
    /// <see cref="ModelArtifacts.ArtifactPath"/>).
    /// </summary>
    public const string RecalibratedArtifactPath = "model-recalibrated";

    /// <summary>The versions registered: the model as trained, the recalibrated one (or null), and the one put forward for the alias.</summary>
    public static (RegisteredVersion Main, RegisteredVersion? Recalibrated, RegisteredVersion Proposed) Register(MlflowStore store,
        RegistrationRequest request, MlflowRun final, RecalibrationReport? recalibration, PromotionDecision promotion)
    {
        var name = request.ModelName;
        var registered = new List<int>();
        try
        {
            var main = store.RegisterModel(name, final);
            registered.Add(main.Version);
            RegisteredVersion Resolve(int version) => store.Resolve($"models:/{name}/{version}");
            if (recalibration is null)
            {
                store.SetVersionTag(name, main.Version, "pophealth.role", "as trained");
                Promote(store, request, promotion, main.Version, main.Version);
                var trained = Resolve(main.Version);
                return (trained, null, trained);
            }
            var version = RegisterRecalibrated(store, name, final, recalibration, main.Version);
            registered.Add(version);
            var proposed = request.AliasRecalibrated && recalibration.Recalibrated.Supported ? version : main.Version;
            Promote(store, request, promotion, proposed, main.Version, version);
            var (asTrained, recalibrated) = (Resolve(main.Version), Resolve(version));
            return (asTrained, recalibrated, proposed == version ? recalibrated : asTrained);
        }
        catch
        {
            foreach (var version in registered) store.DeleteVersion(name, version);
            RestoreAlias(store, request, promotion);
            throw;
        }
    }

    private static int RegisterRecalibrated(MlflowStore store, string name, MlflowRun final, RecalibrationReport recalibration, int parent)
    {
        var r = recalibration.Recalibrated;
        var description = string.Create(CultureInfo.InvariantCulture,
            $"Version {parent} recalibrated in the large to {r.Target.Year}'s prevalence {r.Target.Prevalence:0.0000} ({r.Target.Source}); " +
            $"same trees, intercept {r.InterceptShift:+0.0000;-0.0000} log-odds.");
        var version = store.RegisterModel(name, final, RecalibratedArtifactPath, description);
        store.SetVersionTag(name, parent, "pophealth.role",
            $"as trained (pooled years); recalibrated for {r.Target.Year} as version {version.Version}");
        foreach (var (key, value) in RecalibrationTags(recalibration, parent, final.RunId)) store.SetVersionTag(name, version.Version, key, value);
        return version.Version;
    }

    /// <summary>
    /// An alias this call had moved went with its version: it points again where it pointed before (when that version is
    /// still there and the alias points at no version).
    /// </summary>
    private static void RestoreAlias(MlflowStore store, RegistrationRequest request, PromotionDecision promotion)
    {
        var name = request.ModelName;
        if (promotion.CurrentVersion is { } before && store.HasVersion(name, before)
            && !(store.AliasTarget(name, request.Alias) is { } target && store.HasVersion(name, target)))
            store.SetAlias(name, request.Alias, before);
    }

    /// <summary>
    /// Tags this run's versions with the promotion decision and, when it promotes, points the alias at
    /// <paramref name="proposed"/>.
    /// </summary>
    private static void Promote(MlflowStore store, RegistrationRequest request, PromotionDecision promotion, int proposed, params int[] versions)
    {
        foreach (var version in versions) store.SetVersionTag(request.ModelName, version, PromotionGate.Tag, promotion.Summary);
        if (promotion.Promote) store.SetAlias(request.ModelName, request.Alias, proposed);
    }

    /// <summary>The recalibrated version's tags: method, target year and prevalence, where the prevalence came from, the parent.</summary>
    public static IReadOnlyList<(string Key, string Value)> RecalibrationTags(RecalibrationReport recalibration, int parentVersion,
        string parentRunId)
    {
        var r = recalibration.Recalibrated;
        static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        return
        [
            ("pophealth.role", $"recalibrated for {r.Target.Year}"),
            ("pophealth.recalibration.method",
                "intercept update (recalibration in the large): the log-odds move by a constant, " +
                "a prior shift of the odds carried inside model.onnx"),
            ("pophealth.recalibration.intercept_shift", F(r.InterceptShift)),
            ("pophealth.recalibration.odds_factor", F(r.OddsFactor)),
            ("pophealth.recalibration.target_year", TrainingRunLog.Invariant(r.Target.Year)),
            ("pophealth.recalibration.target_prevalence", F(r.Target.Prevalence)),
            ("pophealth.recalibration.source", r.Target.Source),
            ("pophealth.recalibration.sample", r.Target.Sample),
            ("pophealth.recalibration.sample_rows", TrainingRunLog.Invariant(r.Target.SampleRows)),
            ("pophealth.recalibration.sample_seed", r.Target.Seed is { } seed ? TrainingRunLog.Invariant(seed) : "none"),
            ("pophealth.recalibration.shift_rows", TrainingRunLog.Invariant(r.ShiftRows)),
            ("pophealth.recalibration.threshold", F(r.Model.Threshold) + " (unchanged, on population-level probabilities)"),
            ("pophealth.recalibration.mean_predicted_before", F(r.MeanPredictedBefore)),
            ("pophealth.recalibration.supported", (r.Supported ? "true: " : "false: ") + r.Evidence),
            ("pophealth.recalibration.test_calibration_before", F(recalibration.Before.CalibrationInTheLarge)),
            ("pophealth.recalibration.test_calibration_after", F(recalibration.After.CalibrationInTheLarge)),
            ("pophealth.parent_version", TrainingRunLog.Invariant(parentVersion)),
            ("pophealth.parent_run_id", parentRunId),
            ("pophealth.parent_artifact_path", ModelArtifacts.ArtifactPath),
        ];
    }
}
