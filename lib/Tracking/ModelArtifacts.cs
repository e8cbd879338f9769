using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PopHealth.Modeling;
using PopHealth.Workbook;

namespace PopHealth.Tracking;

/// <summary>
/// Logs a trained model as an MLflow model (<c>artifacts/model/</c>): the ONNX file with an <c>MLmodel</c> declaring the
/// <c>onnx</c> and <c>python_function</c> flavours (so <c>mlflow.pyfunc.load_model</c> and <c>spark_udf</c> can use it),
/// plus the ML.NET model and its feature signature under a <c>mlnet</c> flavour the workbook loads.
/// </summary>
public static class ModelArtifacts
{
    public const string ArtifactPath = "model";

    /// <summary>
    /// Writes the model's files into the run's artifacts at <paramref name="artifactPath"/> (the folder appears whole, see
    /// <see cref="StagedFile.WriteFolder"/>) and appends it to the run's <c>mlflow.log-model.history</c> tag; returns the folder.
    /// </summary>
    /// <param name="trainingRows">The rows the model was fitted on: their path through the exported trees (the trees' cover) is saved
    /// as <see cref="TreeCover.FileName"/> so that exact explanations need neither the training data nor ML.NET.</param>
    public static string LogModel(MlflowRun run, TrainedModel model, string artifactPath = ArtifactPath,
        IReadOnlyList<float[]>? trainingRows = null) =>
        LogModel(run, ModelExport.Create(model, trainingRows), artifactPath);

    /// <summary>As above, for a model already exported (the train step exports each model once, see <see cref="ModelExport"/>).</summary>
    public static string LogModel(MlflowRun run, ModelExport export, string artifactPath = ArtifactPath)
    {
        var model = export.Model;
        var flavors = Flavors(model);
        var identity = new Dictionary<string, object?>
        {
            ["run_id"] = run.RunId, ["artifact_path"] = artifactPath,
            // MLflow stores str(datetime) of a naive UTC time: microseconds, space between date and time.
            ["utc_time_created"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            ["model_uuid"] = Guid.NewGuid().ToString("N"),
        };
        var signature = $"[{{\"type\": \"tensor\", \"tensor-spec\": {{\"dtype\": \"float32\", \"shape\": [-1, {model.FeatureNames.Count}]}}, " +
            $"\"name\": \"{OnnxModel.InputName}\"}}]";
        var folder = run.LogFolder(artifactPath, staged =>
        {
            model.Save(staged);
            export.WriteTo(staged);
            // Every output of the graph, named, in order (probability first), as MLflow's tensor signature writes them.
            var outputs = "[" + string.Join(", ", OnnxModel.OutputTypes(Path.Combine(staged, OnnxModel.FileName)).Select(o =>
                $"{{\"type\": \"tensor\", \"tensor-spec\": {{\"dtype\": \"{o.Dtype}\", \"shape\": [-1, 1]}}, \"name\": \"{o.Name}\"}}")) + "]";
            var mlmodel = new SortedDictionary<string, object?>(identity, StringComparer.Ordinal)
            {
                ["flavors"] = flavors, ["mlflow_version"] = "2.17.0",
                ["signature"] = new Dictionary<string, object?> { ["inputs"] = signature, ["outputs"] = outputs, ["params"] = null },
            };
            MlflowStore.WriteYaml(Path.Combine(staged, "MLmodel"), mlmodel);
            AtomicFile.WriteAllText(Path.Combine(staged, "requirements.txt"), "mlflow\nonnx\nonnxruntime\n");
            AtomicFile.WriteAllText(Path.Combine(staged, "python_env.yaml"),
                "python: 3.11.0\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n");
            AtomicFile.WriteAllText(Path.Combine(staged, "conda.yaml"),
                "channels:\n- conda-forge\ndependencies:\n- python=3.11.0\n- pip\n- pip:\n  - mlflow\n  - onnx\n  - onnxruntime\nname: mlflow-env\n");
        });
        AppendHistory(run, identity, flavors);
        return folder;
    }

    /// <summary>The flavours of the MLmodel file: flavour name -> its configuration.</summary>
    private static Dictionary<string, object?> Flavors(TrainedModel model) => new()
    {
        ["onnx"] = new Dictionary<string, object?>
        {
            ["code"] = null, ["data"] = OnnxModel.FileName, ["onnx_version"] = "1.16.0", ["providers"] = new[] { "CPUExecutionProvider" },
        },
        ["python_function"] = new Dictionary<string, object?>
        {
            ["data"] = OnnxModel.FileName, ["env"] = new Dictionary<string, object?> { ["conda"] = "conda.yaml", ["virtualenv"] = "python_env.yaml" },
            ["loader_module"] = "mlflow.onnx", ["python_version"] = "3.11.0",
        },
        ["mlnet"] = new Dictionary<string, object?>
        {
            ["data"] = TrainedModel.ModelFile, ["signature"] = TrainedModel.SignatureFile, ["mlnet_version"] = "5.0.1",
            ["features"] = model.FeatureNames.ToArray(),
        },
    };

    /// <summary>
    /// Appends the model to the run's <c>mlflow.log-model.history</c> tag as MLflow does (FileStore.record_logged_model
    /// appends <c>Model.get_tags_dict()</c>): run_id, artifact_path, utc_time_created, model_uuid, and the flavours as a map
    /// (each configuration without its <c>config</c> entry, which MLflow leaves out).
    /// </summary>
    private static void AppendHistory(MlflowRun run, Dictionary<string, object?> identity, Dictionary<string, object?> flavors)
    {
        const string tag = "mlflow.log-model.history";
        var existing = run.GetTag(tag);
        JsonArray history;
        try
        {
            history = existing is null ? [] : JsonNode.Parse(existing) as JsonArray ?? throw new JsonException("not a JSON list");
        }
        catch (JsonException e)
        {
            throw StoreError.Malformed(Path.Combine(run.RunDirectory, "tags", tag),
                $"not MLflow's JSON list of logged models ({e.Message}); delete the tag file to start a new history.", e);
        }
        var entry = JsonSerializer.SerializeToNode(identity)!.AsObject();
        entry["flavors"] = JsonSerializer.SerializeToNode(flavors.ToDictionary(f => f.Key,
            f => f.Value is Dictionary<string, object?> config ? config.Where(c => c.Key != "config").ToDictionary() : f.Value));
        history.Add(entry);
        run.SetTag(tag, history.ToJsonString());
    }

    /// <summary>Loads the ML.NET model of a registered version.</summary>
    public static TrainedModel Load(RegisteredVersion version)
    {
        if (!Directory.Exists(version.ArtifactDirectory))
            throw new DirectoryNotFoundException($"models:/{version.Name}/{version.Version}: its artifacts are missing " +
                $"({version.ArtifactDirectory}).");
        return TrainedModel.Load(version.ArtifactDirectory);
    }
}
