using System.Globalization;
using PopHealth.Modeling;
using PopHealth.Workbook;
using YamlDotNet.Serialization;

namespace PopHealth.Tracking;

/// <summary>
/// Logs a trained model as an MLflow model (<c>artifacts/model/</c>): the ONNX file with an <c>MLmodel</c> declaring the
/// <c>onnx</c> and <c>python_function</c> flavours (so <c>mlflow.pyfunc.load_model</c> and <c>spark_udf</c> can use it),
/// plus the ML.NET model and its feature signature under a <c>mlnet</c> flavour the workbook loads.
/// </summary>
public static class ModelArtifacts
{
    public const string ArtifactPath = "model";

    /// <summary>Writes the model's files into the run's artifacts and returns the model folder.</summary>
    public static string LogModel(MlflowRun run, TrainedModel model)
    {
        var folder = Path.Combine(run.ArtifactDirectory, ArtifactPath);
        model.Save(folder);
        OnnxModel.Export(model, Path.Combine(folder, OnnxModel.FileName));
        var signature = $"[{{\"type\": \"tensor\", \"tensor-spec\": {{\"dtype\": \"float32\", \"shape\": [-1, {model.FeatureNames.Count}]}}}}]";
        var outputs = "[{\"type\": \"tensor\", \"tensor-spec\": {\"dtype\": \"float32\", \"shape\": [-1, 1]}}]";
        var mlmodel = new Dictionary<string, object?>
        {
            ["artifact_path"] = ArtifactPath,
            ["flavors"] = new Dictionary<string, object?>
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
            },
            ["mlflow_version"] = "2.17.0",
            ["model_uuid"] = Guid.NewGuid().ToString("N"),
            ["run_id"] = run.RunId,
            ["signature"] = new Dictionary<string, object?> { ["inputs"] = signature, ["outputs"] = outputs, ["params"] = null },
            ["utc_time_created"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        };
        AtomicFile.WriteAllText(Path.Combine(folder, "MLmodel"), new SerializerBuilder().Build().Serialize(mlmodel));
        AtomicFile.WriteAllText(Path.Combine(folder, "requirements.txt"), "mlflow\nonnx\nonnxruntime\n");
        AtomicFile.WriteAllText(Path.Combine(folder, "python_env.yaml"), "python: 3.11.0\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n");
        AtomicFile.WriteAllText(Path.Combine(folder, "conda.yaml"), "channels:\n- conda-forge\ndependencies:\n- python=3.11.0\n- pip\n- pip:\n  - mlflow\n  - onnx\n  - onnxruntime\nname: mlflow-env\n");
        run.SetTag("mlflow.log-model.history", $"[{{\"run_id\": \"{run.RunId}\", \"artifact_path\": \"{ArtifactPath}\", \"flavors\": [\"onnx\", \"python_function\", \"mlnet\"]}}]");
        return folder;
    }

    /// <summary>Loads the ML.NET model of a registered version.</summary>
    public static TrainedModel Load(RegisteredVersion version)
    {
        if (!Directory.Exists(version.ArtifactDirectory))
            throw new DirectoryNotFoundException($"models:/{version.Name}/{version.Version}: its artifacts are missing ({version.ArtifactDirectory}).");
        return TrainedModel.Load(version.ArtifactDirectory);
    }
}
