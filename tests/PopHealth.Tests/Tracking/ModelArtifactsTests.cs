using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PopHealth.Modeling;
using PopHealth.Tests.Modeling;
using PopHealth.Tracking;
using YamlDotNet.Serialization;

namespace PopHealth.Tests.Tracking;

/// <summary>The logged model as MLflow records it: the <c>mlflow.log-model.history</c> run tag and the <c>MLmodel</c> file.</summary>
[Trait("Category", "Unit")]
public class ModelArtifactsTests
{
    /// <summary>
    /// The fields of one history entry: MLflow's <c>Model.get_tags_dict()</c> (mlflow/models/model.py) keeps exactly these,
    /// and <c>FileStore.record_logged_model</c> (mlflow/store/tracking/file_store.py) appends that dict to the tag's JSON list.
    /// </summary>
    private static readonly string[] HistoryEntryFields = ["run_id", "artifact_path", "utc_time_created", "model_uuid", "flavors"];

    /// <summary><c>str(datetime)</c> of a naive UTC time, as <c>Model.__init__</c> (mlflow/models/model.py) stores it.</summary>
    private const string MlflowTimeFormat = "yyyy-MM-dd HH:mm:ss.ffffff";

    [Fact]
    public void Log_model_history_has_mlflows_shape_and_agrees_with_the_mlmodel_file()
    {
        using var temp = Repo.Temp();
        var store = new MlflowStore(temp.File("mlruns"));
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        var model = TrainedModel.Fit(ModelFixtures.Matrix(600), new ModelSpec(TrainerKind.FastTree, 5, 4), seed: 3);
        var before = DateTime.UtcNow.AddSeconds(-1);
        var folder = ModelArtifacts.LogModel(run, model);

        var history = JsonNode.Parse(File.ReadAllText(Path.Combine(run.RunDirectory, "tags", "mlflow.log-model.history")))!.AsArray();
        var entry = Assert.Single(history)!.AsObject();
        Assert.Equal(HistoryEntryFields.Order(), entry.Select(kv => kv.Key).Order());
        var mlmodel = JsonSerializer.SerializeToNode(new DeserializerBuilder().Build()
            .Deserialize<Dictionary<string, object?>>(File.ReadAllText(Path.Combine(folder, "MLmodel"))))!.AsObject();
        foreach (var field in new[] { "run_id", "artifact_path", "utc_time_created", "model_uuid" })
            Assert.Equal(mlmodel[field]!.GetValue<string>(), entry[field]!.GetValue<string>());
        Assert.Equal(run.RunId, entry["run_id"]!.GetValue<string>());
        Assert.Equal("model", entry["artifact_path"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{32}$", entry["model_uuid"]!.GetValue<string>());
        var created = DateTime.ParseExact(entry["utc_time_created"]!.GetValue<string>(), MlflowTimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        Assert.InRange(created, before, DateTime.UtcNow.AddSeconds(1));
        // Quoted in MLmodel, as MLflow writes it, so YAML 1.1 readers (PyYAML) read text, not a datetime.
        Assert.Contains($"utc_time_created: \"{entry["utc_time_created"]}\"", File.ReadAllLines(Path.Combine(folder, "MLmodel")));

        // Flavours are a map, flavour name -> its configuration exactly as in MLmodel (MLflow's UI lists the keys other than python_function).
        var flavors = Assert.IsType<JsonObject>(entry["flavors"]);
        Assert.Equal(["mlnet", "onnx"], flavors.Select(kv => kv.Key).Where(k => k != "python_function").Order());
        var mlmodelFlavors = mlmodel["flavors"]!.AsObject();
        Assert.Equal(mlmodelFlavors.Select(kv => kv.Key).Order(), flavors.Select(kv => kv.Key).Order());
        foreach (var (name, config) in mlmodelFlavors)
            Assert.Equal(Canonical(config), Canonical(flavors[name]));
    }

    [Fact]
    public void A_second_logged_model_is_appended_to_the_history()
    {
        using var temp = Repo.Temp();
        var store = new MlflowStore(temp.File("mlruns"));
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        var model = TrainedModel.Fit(ModelFixtures.Matrix(600), new ModelSpec(TrainerKind.FastTree, 5, 4), seed: 3);
        ModelArtifacts.LogModel(run, model);
        ModelArtifacts.LogModel(run, model, "challenger");
        var history = JsonNode.Parse(File.ReadAllText(Path.Combine(run.RunDirectory, "tags", "mlflow.log-model.history")))!.AsArray();
        Assert.Equal(["model", "challenger"], history.Select(e => e!["artifact_path"]!.GetValue<string>()));
        Assert.NotEqual(history[0]!["model_uuid"]!.GetValue<string>(), history[1]!["model_uuid"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(run.ArtifactDirectory, "challenger", "MLmodel")));
    }

    /// <summary>YAML reads every scalar as text; compare structures with scalars as text and nulls as null.</summary>
    private static string Canonical(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject o => "{" + string.Join(",", o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{Canonical(kv.Value)}")) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is "null" or "~" or "" => "null",
        _ => node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString(),
    };

    [Fact]
    public void A_model_is_exported_once_and_a_recalibrated_one_keeps_its_parents_cover()
    {
        using var temp = Repo.Temp();
        var data = ModelFixtures.Matrix(600);
        var model = TrainedModel.Fit(data, new ModelSpec(TrainerKind.LightGbm, 8, 4), seed: 3);
        var export = ModelExport.Create(model, data.Rows);
        Assert.NotNull(export.Trees);
        Assert.Equal(600, export.Cover!.Rows);
        var shifted = export.ForSameTrees(model.WithPriorShift(new PriorShift(0.3, 0.2), model.Threshold));
        Assert.Same(export.Cover, shifted.Cover); // same trees: not counted again
        Assert.NotEqual(export.Onnx, shifted.Onnx); // the shift is inside the graph

        var run = new MlflowStore(temp.File("mlruns")).StartRun(new MlflowStore(temp.File("mlruns")).GetOrCreateExperiment("pophealth"), "final");
        var first = ModelArtifacts.LogModel(run, export);
        var second = ModelArtifacts.LogModel(run, shifted, "model-recalibrated");
        Assert.Equal(export.Onnx, File.ReadAllBytes(Path.Combine(first, OnnxModel.FileName)));
        Assert.Equal(shifted.Onnx, File.ReadAllBytes(Path.Combine(second, OnnxModel.FileName)));
        Assert.Equal(File.ReadAllText(Path.Combine(first, TreeCover.FileName)), File.ReadAllText(Path.Combine(second, TreeCover.FileName)));
        // The registered file's trees take the saved cover (same fingerprint): exact explanations work from the artifacts alone.
        Assert.Equal(export.Trees!.Nodes, TreeCover.Load(second, CompiledTrees.TryCompile(Path.Combine(second, OnnxModel.FileName))!.Trees).Nodes);
    }
}
