using System.Globalization;
using PopHealth.Workbook;

namespace PopHealth.Tracking;

/// <summary>
/// A run being logged: params, metrics, tags and artifacts under <c>mlruns/&lt;experiment&gt;/&lt;run id&gt;/</c>. While it
/// runs, <see cref="MlflowStore.OwnerFile"/> beside its <c>meta.yaml</c> names the process logging it, so a later open of
/// the store can tell a run whose process died (marked FAILED) from one still running.
/// </summary>
public sealed class MlflowRun
{
    private readonly RunRecord record;

    internal MlflowRun(MlflowStore store, string experimentId, string runId, string runName, long startTime)
    {
        ExperimentId = experimentId;
        RunId = runId;
        RunDirectory = Path.Combine(store.Root, experimentId, runId);
        record = new RunRecord(experimentId, runId, runName, MlflowStore.FileUri(ArtifactDirectory), startTime, Environment.UserName, "active");
        // As MLflow's create_run: the folders it lists exist from the start.
        foreach (var folder in new[] { "metrics", "params", "tags", "artifacts" }) Directory.CreateDirectory(Path.Combine(RunDirectory, folder));
        AtomicFile.WriteAllText(Path.Combine(RunDirectory, MlflowStore.OwnerFile), ProcessOwner.Current.ToJson());
        record.Write(Path.Combine(RunDirectory, "meta.yaml"), RunRecord.Running, endTime: null);
    }

    public string ExperimentId { get; }
    public string RunId { get; }
    public string RunDirectory { get; }
    public string ArtifactDirectory => Path.Combine(RunDirectory, "artifacts");
    private string Staging => Path.Combine(RunDirectory, StagedFile.StagingFolder);

    public MlflowRun LogParam(string key, string value)
    {
        MlflowStore.CheckName("param", key);
        var path = Path.Combine(RunDirectory, "params", key);
        if (File.Exists(path) && File.ReadAllText(path) != value)
            throw new InvalidOperationException($"Param '{key}' of run {RunId} is already '{File.ReadAllText(path)}'; MLflow params cannot change.");
        StagedFile.WriteText(Staging, path, value);
        return this;
    }

    public MlflowRun LogParams(IReadOnlyDictionary<string, string> values)
    {
        foreach (var (key, value) in values) LogParam(key, value);
        return this;
    }

    /// <summary>Appends a metric value (<c>timestamp value step</c>, as MLflow writes them).</summary>
    public MlflowRun LogMetric(string key, double value, long step = 0)
    {
        MlflowStore.CheckName("metric", key);
        var path = Path.Combine(RunDirectory, "metrics", key);
        var line = $"{MlflowStore.Now()} {value.ToString("R", CultureInfo.InvariantCulture)} {step}\n";
        var existing = File.Exists(path) ? File.ReadAllText(path) : "";
        StagedFile.WriteText(Staging, path, existing + line);
        return this;
    }

    public MlflowRun SetTag(string key, string value)
    {
        MlflowStore.CheckName("tag", key);
        StagedFile.WriteText(Staging, Path.Combine(RunDirectory, "tags", key), value);
        return this;
    }

    /// <summary>The value of tag <paramref name="key"/>, or null when it is not set.</summary>
    public string? GetTag(string key)
    {
        MlflowStore.CheckName("tag", key);
        var path = Path.Combine(RunDirectory, "tags", key);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    /// <summary>Copies a file into the run's artifacts (optionally under <paramref name="folder"/>).</summary>
    public string LogArtifact(string file, string? folder = null)
    {
        var target = Path.Combine(ArtifactDirectory, folder ?? "", Path.GetFileName(file));
        StagedFile.Copy(Staging, file, target);
        return target;
    }

    /// <summary>Writes a text artifact.</summary>
    public string LogText(string relativePath, string text)
    {
        var target = Path.Combine(ArtifactDirectory, relativePath);
        StagedFile.WriteText(Staging, target, text);
        return target;
    }

    /// <summary>Writes a whole artifact folder (filled by <paramref name="fill"/> in staging), which appears at once.</summary>
    internal string LogFolder(string relativePath, Action<string> fill)
    {
        var target = Path.Combine(ArtifactDirectory, relativePath);
        StagedFile.WriteFolder(Staging, target, fill);
        return target;
    }

    /// <summary>Marks the run finished (status 3) or failed (4).</summary>
    public void End(bool succeeded = true)
    {
        record.Write(Path.Combine(RunDirectory, "meta.yaml"), succeeded ? RunRecord.Finished : RunRecord.Failed, MlflowStore.Now());
        if (Directory.Exists(Staging)) Directory.Delete(Staging, recursive: true);
        File.Delete(Path.Combine(RunDirectory, MlflowStore.OwnerFile));
    }
}

/// <summary>A run's <c>meta.yaml</c> with the fields MLflow's FileStore writes and reads (mlflow/store/tracking/file_store.py).</summary>
internal sealed record RunRecord(string ExperimentId, string RunId, string RunName, string ArtifactUri, long StartTime, string UserId,
    string LifecycleStage)
{
    // MLflow's RunStatus numbers.
    public const int Running = 1;
    public const int Finished = 3;
    public const int Failed = 4;

    public static RunRecord Read(MetaFile meta) => new(meta.Required("experiment_id"), meta.Required("run_id"), meta.Optional("run_name") ?? "",
        meta.Required("artifact_uri"), meta.RequiredLong("start_time"), meta.Optional("user_id") ?? "", meta.Optional("lifecycle_stage") ?? "active");

    public void Write(string path, int status, long? endTime) => MlflowStore.WriteYaml(path, new Dictionary<string, object?>
    {
        ["artifact_uri"] = ArtifactUri, ["end_time"] = endTime, ["entry_point_name"] = "", ["experiment_id"] = ExperimentId,
        ["lifecycle_stage"] = LifecycleStage, ["run_id"] = RunId, ["run_name"] = RunName, ["run_uuid"] = RunId, ["source_name"] = "",
        ["source_type"] = 4,
        ["source_version"] = "", ["start_time"] = StartTime, ["status"] = status, ["tags"] = Array.Empty<string>(), ["user_id"] = UserId,
    });
}
