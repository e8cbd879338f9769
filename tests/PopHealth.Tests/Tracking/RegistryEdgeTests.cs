using PopHealth.Tracking;

namespace PopHealth.Tests.Tracking;

/// <summary>
/// Issue 24's registry findings (items 10, 13, 14): kill -9 leftovers of meta.yaml writes, a copied store that would read
/// another store's model, and a corrupt old version that made every 04 leave an untagged version behind.
/// </summary>
[Trait("Category", "Unit")]
public class RegistryEdgeTests
{
    private const string Model = "pophealth-rfhlth";

    private static (MlflowStore Store, MlflowRun Run) Registered(string root)
    {
        var store = new MlflowStore(root);
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        run.LogText("model/model.onnx", "not really onnx, but not empty");
        run.End();
        store.SetAlias(Model, "prod", store.RegisterModel(Model, run).Version);
        return (store, run);
    }

    [Fact]
    public void A_copied_store_missing_the_run_folder_is_refused_naming_both_stores_instead_of_reading_the_original()
    {
        using var temp = Repo.Temp();
        var (_, run) = Registered(temp.File("a/mlruns"));
        Repo.CopyFolder(temp.File("a/mlruns"), temp.File("b/mlruns"));
        Directory.Delete(Path.Combine(temp.File("b/mlruns"), run.ExperimentId, run.RunId), recursive: true); // copied in part

        var copy = new MlflowStore(temp.File("b/mlruns"));
        var error = Assert.Throws<InvalidDataException>(() => copy.Resolve($"models:/{Model}@prod"));
        Assert.StartsWith(temp.File("b/mlruns/models/pophealth-rfhlth/version-1/meta.yaml") + ": ", error.Message);
        Assert.Contains($"its run {run.RunId} is not in this store ({temp.File("b/mlruns")})", error.Message);
        Assert.Contains($"its recorded source is {Path.Combine(run.ArtifactDirectory, "model")}, in another store", error.Message);
        Assert.Contains("Copy the run's folder", error.Message);
        // With the run copied too, the copy resolves to its own files.
        Repo.CopyFolder(Path.Combine(temp.File("a/mlruns"), run.ExperimentId, run.RunId),
            Path.Combine(temp.File("b/mlruns"), run.ExperimentId, run.RunId));
        Assert.StartsWith(temp.File("b/mlruns"), copy.Resolve($"models:/{Model}@prod").ArtifactDirectory);
    }

    [Fact]
    public void A_corrupt_old_version_stops_a_registration_before_a_version_is_claimed_and_other_versions_still_take_tags_and_aliases()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var (store, run) = Registered(root);
        store.RegisterModel(Model, run);
        var corrupt = Path.Combine(root, "models", Model, "version-1", "meta.yaml");
        File.WriteAllText(corrupt, "name: 'unterminated\n");

        var error = Assert.Throws<InvalidDataException>(() => store.RegisterModel(Model, run));
        Assert.StartsWith(corrupt + ": ", error.Message);
        Assert.Equal(["version-1", "version-2"],
            Directory.EnumerateDirectories(Path.Combine(root, "models", Model), "version-*").Select(Path.GetFileName).Order());
        // A tag or an alias on a sound version is not stopped by another version's fault.
        store.SetVersionTag(Model, 2, "pophealth.role", "as trained");
        store.SetAlias(Model, "prod", 2);
        Assert.Equal(2, store.Resolve($"models:/{Model}@prod").Version);
    }

    [Fact]
    public void A_deleted_version_leaves_no_folder_and_no_alias()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var (store, run) = Registered(root);
        var second = store.RegisterModel(Model, run);
        store.SetAlias(Model, "candidate", second.Version);
        store.DeleteVersion(Model, second.Version);
        Assert.Equal([1], store.Versions(Model).Select(v => v.Version));
        Assert.False(File.Exists(Path.Combine(root, "models", Model, "aliases", "candidate")));
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(root, "models", Model), ".deleted-*"));
        Assert.Equal(1, store.Resolve($"models:/{Model}@prod").Version);
    }

    [Fact]
    public void Temporary_meta_yaml_files_a_killed_writer_left_are_swept_at_the_next_open_unless_their_process_lives()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var (_, run) = Registered(root);
        string Plant(string folder, int pid)
        {
            var path = Path.Combine(folder, $".meta.yaml.{pid}.{Guid.NewGuid():N}.tmp");
            File.WriteAllText(path, "creation_timestamp: 17");
            return path;
        }
        var version = Path.Combine(root, "models", Model, "version-1");
        var deadVersion = Plant(version, int.MaxValue - 1);
        var deadModel = Plant(Path.Combine(root, "models", Model), int.MaxValue - 1);
        var deadExperiment = Plant(Path.Combine(root, run.ExperimentId), int.MaxValue - 1);
        var liveVersion = Plant(version, Environment.ProcessId); // a write of this (live) process, perhaps under way
        var liveOther = Plant(version, 1);                        // pid 1 (init) lives and started before this was written

        _ = new MlflowStore(root);

        Assert.False(File.Exists(deadVersion));
        Assert.False(File.Exists(deadModel));
        Assert.False(File.Exists(deadExperiment));
        Assert.True(File.Exists(liveVersion));
        Assert.True(File.Exists(liveOther) || OperatingSystem.IsWindows()); // Windows has no process 1
        Assert.True(File.Exists(Path.Combine(version, "meta.yaml")));
    }
}
