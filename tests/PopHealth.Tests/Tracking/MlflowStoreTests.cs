using PopHealth.Tracking;

namespace PopHealth.Tests.Tracking;

/// <summary>
/// The store's files against the fields MLflow's own file stores read (mlflow/store/tracking/file_store.py:
/// experiment and run meta.yaml, params/metrics/tags files; mlflow/store/model_registry/file_store.py:
/// models/&lt;name&gt;/meta.yaml, version-N/meta.yaml, aliases/&lt;alias&gt;).
/// </summary>
[Trait("Category", "Unit")]
public class MlflowStoreTests
{
    [Fact]
    public void Experiments_and_runs_have_the_fields_mlflow_reads()
    {
        using var temp = Repo.Temp();
        var store = new MlflowStore(temp.File("mlruns"));
        var id = store.GetOrCreateExperiment("pophealth");
        Assert.Equal("1", id);
        Assert.Equal(id, store.GetOrCreateExperiment("pophealth"));
        Assert.Equal("2", store.GetOrCreateExperiment("other"));
        var experiment = MlflowStore.ReadYaml(temp.File("mlruns/1/meta.yaml"));
        Assert.Equal("1", experiment["experiment_id"]); // folder name == experiment_id
        Assert.Equal("pophealth", experiment["name"]);
        Assert.Equal("active", experiment["lifecycle_stage"]);
        Assert.StartsWith("file:///", experiment["artifact_location"]);

        var run = store.StartRun(id, "trial-01");
        run.LogParam("trees", "100").LogMetric("cv_auc", 0.84).LogMetric("fold_auc", 0.83, 0).LogMetric("fold_auc", 0.85, 1).SetTag("sweep", "grid");
        var runningMeta = MlflowStore.ReadYaml(Path.Combine(run.RunDirectory, "meta.yaml"));
        Assert.Equal("1", runningMeta["status"]); // RUNNING
        run.End();
        var meta = MlflowStore.ReadYaml(Path.Combine(run.RunDirectory, "meta.yaml"));
        foreach (var field in new[] { "artifact_uri", "end_time", "experiment_id", "lifecycle_stage", "run_id", "run_uuid", "run_name", "start_time",
            "status", "user_id" })
            Assert.True(meta.ContainsKey(field), field);
        Assert.Equal("3", meta["status"]); // FINISHED
        Assert.Equal(run.RunId, meta["run_id"]);
        Assert.Equal(id, meta["experiment_id"]);
        Assert.Equal("100", File.ReadAllText(Path.Combine(run.RunDirectory, "params", "trees")));
        var lines = File.ReadAllLines(Path.Combine(run.RunDirectory, "metrics", "fold_auc"));
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^\d{13} 0\.83 0$", lines[0]);
        Assert.Matches(@"^\d{13} 0\.85 1$", lines[1]);
        Assert.Equal("trial-01", File.ReadAllText(Path.Combine(run.RunDirectory, "tags", "mlflow.runName")));
        Assert.Throws<InvalidOperationException>(() => run.LogParam("trees", "200")); // params are immutable in MLflow
        Assert.Throws<ArgumentException>(() => run.LogParam("../escape", "x"));
    }

    [Fact]
    public void Registry_versions_aliases_and_model_uris()
    {
        using var temp = Repo.Temp();
        var store = new MlflowStore(temp.File("mlruns"));
        var id = store.GetOrCreateExperiment("pophealth");
        var first = store.StartRun(id, "final");
        Directory.CreateDirectory(Path.Combine(first.ArtifactDirectory, "model"));
        var v1 = store.RegisterModel("pophealth-rfhlth", first);
        var second = store.StartRun(id, "final");
        var v2 = store.RegisterModel("pophealth-rfhlth", second);
        Assert.Equal((1, 2), (v1.Version, v2.Version));
        store.SetAlias("pophealth-rfhlth", "prod", 1);
        Assert.Equal(1, store.Resolve("models:/pophealth-rfhlth@prod").Version);
        store.SetAlias("pophealth-rfhlth", "prod", 2); // the alias moves
        var prod = store.Resolve("models:/pophealth-rfhlth@prod");
        Assert.Equal(2, prod.Version);
        Assert.Equal(second.RunId, prod.RunId);
        Assert.Equal(["prod"], prod.Aliases);
        Assert.Empty(store.Resolve("models:/pophealth-rfhlth/1").Aliases);
        Assert.Equal(Path.Combine(second.ArtifactDirectory, "model"), prod.ArtifactDirectory);

        var model = MlflowStore.ReadYaml(temp.File("mlruns/models/pophealth-rfhlth/meta.yaml"));
        Assert.Equal("pophealth-rfhlth", model["name"]);
        Assert.True(model.ContainsKey("creation_timestamp") && model.ContainsKey("last_updated_timestamp"));
        var version = MlflowStore.ReadYaml(temp.File("mlruns/models/pophealth-rfhlth/version-2/meta.yaml"));
        Assert.Equal("None", version["current_stage"]);
        Assert.Equal("READY", version["status"]);
        Assert.Equal("2", version["version"]);
        Assert.Equal(second.RunId, version["run_id"]);
        Assert.EndsWith("/artifacts/model", version["source"]);
        Assert.Equal(version["source"], version["storage_location"]);
        Assert.Equal("2", File.ReadAllText(temp.File("mlruns/models/pophealth-rfhlth/aliases/prod")));

        Assert.Contains("no alias 'staging'", Assert.Throws<ModelNotFoundException>(() => store.Resolve("models:/pophealth-rfhlth@staging")).Message);
        Assert.Contains("no version 9", Assert.Throws<ModelNotFoundException>(() => store.Resolve("models:/pophealth-rfhlth/9")).Message);
        Assert.Contains("no registered model 'other'", Assert.Throws<ModelNotFoundException>(() => store.Resolve("models:/other@prod")).Message);
        Assert.Throws<ArgumentException>(() => store.Resolve("runs:/abc/model"));
        Assert.Throws<ArgumentException>(() => store.SetAlias("pophealth-rfhlth", "prod", 7));
    }

    [Fact]
    public void Version_tags_and_descriptions_are_where_mlflows_registry_reads_them()
    {
        using var temp = Repo.Temp();
        var store = new MlflowStore(temp.File("mlruns"));
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        var v1 = store.RegisterModel("m", run);
        var v2 = store.RegisterModel("m", run, "model-recalibrated", description: "version 1 recalibrated");
        store.SetVersionTag("m", v2.Version, "pophealth.parent_version", "1");
        store.SetVersionTag("m", v2.Version, "pophealth.recalibration.target_year", "2024");
        // mlflow/store/model_registry/file_store.py: set_model_version_tag writes version-N/tags/<key> holding the value.
        Assert.Equal("1", File.ReadAllText(temp.File("mlruns/models/m/version-2/tags/pophealth.parent_version")));
        Assert.Equal("version 1 recalibrated", MlflowStore.ReadYaml(temp.File("mlruns/models/m/version-2/meta.yaml"))["description"]);
        Assert.EndsWith("/artifacts/model-recalibrated", MlflowStore.ReadYaml(temp.File("mlruns/models/m/version-2/meta.yaml"))["source"]);
        var resolved = store.Resolve("models:/m/2");
        Assert.Equal(new Dictionary<string, string> { ["pophealth.parent_version"] = "1", ["pophealth.recalibration.target_year"] = "2024" },
            resolved.Tags);
        Assert.Equal("version 1 recalibrated", resolved.Description);
        Assert.Equal(Path.Combine(run.ArtifactDirectory, "model-recalibrated"), resolved.ArtifactDirectory);
        Assert.Empty(store.Resolve($"models:/m/{v1.Version}").Tags);
        Assert.Throws<ArgumentException>(() => store.SetVersionTag("m", 9, "k", "v"));
        Assert.Throws<ArgumentException>(() => store.SetVersionTag("m", 1, "../escape", "v"));
    }

    [Fact]
    public async Task Concurrent_registrations_get_distinct_versions()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var id = new MlflowStore(root).GetOrCreateExperiment("pophealth");
        var start = new ManualResetEventSlim();
        var versionsTask = Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Factory.StartNew(() =>
        {
            var store = new MlflowStore(root); // separate instances, as separate processes would be
            var run = store.StartRun(id, "final");
            start.Wait(); // all at once
            return store.RegisterModel("pophealth-rfhlth", run).Version;
        }, TaskCreationOptions.LongRunning)));
        await Task.Delay(200);
        start.Set();
        Assert.Equal(Enumerable.Range(1, 12), (await versionsTask).Order());
        Assert.Equal(12, new MlflowStore(root).Versions("pophealth-rfhlth").Count);
    }

    [Fact]
    public void A_registry_moved_to_another_folder_still_resolves()
    {
        using var temp = Repo.Temp();
        var store = new MlflowStore(temp.File("a/mlruns"));
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        File.WriteAllText(run.LogText("model/marker.txt", "x"), "x");
        store.SetAlias("m", "prod", store.RegisterModel("m", run).Version);
        Directory.Move(temp.File("a"), temp.File("b"));
        var moved = new MlflowStore(temp.File("b/mlruns")).Resolve("models:/m@prod");
        Assert.True(File.Exists(Path.Combine(moved.ArtifactDirectory, "marker.txt")));
    }
}
