using System.Diagnostics;
using System.Globalization;
using PopHealth.Tracking;

namespace PopHealth.Tests.Tracking;

/// <summary>
/// The registry faults of issue 13 ("What was found", item 6), each reproduced with our own store: concurrent experiment
/// creation, malformed files, stale claim markers, temporary files where MLflow lists files, and runs left RUNNING.
/// </summary>
[Trait("Category", "Unit")]
public class MlflowStoreFaultTests
{
    private const string Model = "pophealth-rfhlth";

    [Fact]
    public async Task Concurrent_creators_of_one_experiment_name_get_one_experiment()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        for (var trial = 0; trial < 10; trial++)
        {
            var name = $"shared-{trial}";
            using var start = new ManualResetEventSlim();
            var creators = Enumerable.Range(0, 6).Select(_ => Task.Factory.StartNew(() =>
            {
                var store = new MlflowStore(root); // one store per creator: no shared memory, as between processes
                start.Wait();
                return store.GetOrCreateExperiment(name);
            }, TaskCreationOptions.LongRunning)).ToArray();
            await Task.Delay(50);
            start.Set();
            var ids = await Task.WhenAll(creators);
            Assert.Single(ids.Distinct());
            var named = Directory.EnumerateFiles(root, "meta.yaml", SearchOption.AllDirectories)
                .Where(f => Path.GetDirectoryName(Path.GetDirectoryName(f)) == root)
                .Count(f => MlflowStore.ReadYaml(f).GetValueOrDefault("name") == name);
            Assert.Equal(1, named);
        }
        // Names stay distinct experiments with distinct ids.
        var all = new MlflowStore(root);
        Assert.Equal(10, Enumerable.Range(0, 10).Select(t => all.GetOrCreateExperiment($"shared-{t}")).Distinct().Count());
    }

    public static TheoryData<string> BadAliases => new() { "abc", "", "99999999999", "-3", "1.5", "\n" };

    [Theory]
    [MemberData(nameof(BadAliases))]
    public void A_malformed_alias_file_is_an_error_naming_it(string content)
    {
        using var temp = Repo.Temp();
        var (store, _) = Registered(temp);
        var alias = temp.File($"mlruns/models/{Model}/aliases/prod");
        File.WriteAllText(alias, content);
        var error = Assert.Throws<InvalidDataException>(() => store.Resolve($"models:/{Model}@prod"));
        Assert.StartsWith(alias + ": ", error.Message);
    }

    [Theory]
    [InlineData("? [a, b]\n: 1\nname: x\n")] // a non-scalar key
    [InlineData("name: [a, b]\nexperiment_id: '1'\n")] // a non-scalar value where a name belongs
    [InlineData("name: {a: 1}\n")]
    [InlineData("- just\n- a list\n")]
    [InlineData("name: 'unterminated\n")]
    [InlineData("")]
    public void A_malformed_experiment_meta_yaml_is_an_error_naming_it(string yaml)
    {
        using var temp = Repo.Temp();
        var store = new MlflowStore(temp.File("mlruns"));
        store.GetOrCreateExperiment("pophealth");
        var meta = temp.File("mlruns/1/meta.yaml");
        File.WriteAllText(meta, yaml);
        var error = Assert.Throws<InvalidDataException>(() => store.GetOrCreateExperiment("other"));
        Assert.StartsWith(meta + ": ", error.Message);
    }

    [Theory]
    [InlineData("creation_timestamp")]
    [InlineData("name")]
    public void A_registered_model_meta_yaml_without_a_field_is_an_error_naming_it(string field)
    {
        using var temp = Repo.Temp();
        var (store, run) = Registered(temp);
        var meta = temp.File($"mlruns/models/{Model}/meta.yaml");
        File.WriteAllLines(meta, File.ReadAllLines(meta).Where(l => !l.StartsWith(field + ":", StringComparison.Ordinal)));
        var error = Assert.Throws<InvalidDataException>(() => store.RegisterModel(Model, run));
        Assert.StartsWith(meta + ": ", error.Message);
        Assert.Contains(field, error.Message);
        Assert.Throws<InvalidDataException>(() => store.SetAlias(Model, "prod", 1));
    }

    [Theory]
    [InlineData("creation_timestamp", "")] // "" removes the field
    [InlineData("creation_timestamp", "creation_timestamp: soon")]
    [InlineData("creation_timestamp", "creation_timestamp: [1, 2]")]
    [InlineData("run_id", "")]
    [InlineData("run_id", "run_id: ../../escape")]
    [InlineData("source", "")]
    [InlineData("source", "source: not a uri")]
    [InlineData("version", "version: 7")]
    [InlineData("version", "version: 99999999999")]
    public void A_model_version_meta_yaml_with_a_missing_or_bad_field_is_an_error_naming_it(string field, string replacement)
    {
        using var temp = Repo.Temp();
        var (store, _) = Registered(temp);
        var meta = temp.File($"mlruns/models/{Model}/version-1/meta.yaml");
        var lines = File.ReadAllLines(meta);
        Assert.Contains(lines, l => l.StartsWith(field + ":", StringComparison.Ordinal));
        File.WriteAllLines(meta, lines.Select(l => l.StartsWith(field + ":", StringComparison.Ordinal) ? replacement : l).Where(l => l.Length > 0));
        var error = Assert.Throws<InvalidDataException>(() => store.Resolve($"models:/{Model}/1"));
        Assert.StartsWith(meta + ": ", error.Message);
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void A_zero_byte_model_onnx_is_an_error_naming_it_when_the_model_is_resolved()
    {
        using var temp = Repo.Temp();
        var (store, run) = Registered(temp);
        var onnx = Path.Combine(run.ArtifactDirectory, "model", "model.onnx");
        File.WriteAllBytes(onnx, []);
        var error = Assert.Throws<InvalidDataException>(() => store.Resolve($"models:/{Model}@prod"));
        Assert.StartsWith(onnx + ": ", error.Message);
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void A_stale_claim_on_a_registered_model_is_recovered()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var store = new MlflowStore(root);
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        // A process claimed the model's meta.yaml a minute ago and died before writing it.
        var marker = PlantMarker(Path.Combine(root, "models", Model), "meta.yaml", DateTime.UtcNow.AddMinutes(-1), Environment.ProcessId,
            Process.GetCurrentProcess().StartTime);
        var registered = new MlflowStore(root).RegisterModel(Model, run);
        Assert.Equal(1, registered.Version);
        var meta = MlflowStore.ReadYaml(Path.Combine(root, "models", Model, "meta.yaml"));
        Assert.Equal(Model, meta["name"]);
        Assert.True(File.GetLastWriteTimeUtc(marker) > DateTime.UtcNow.AddSeconds(-30)); // claimed afresh by the recovering writer
    }

    [Fact]
    public void A_claim_left_by_a_dead_process_is_recovered_before_the_timeout()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var store = new MlflowStore(root, new MlflowStoreOptions { StaleClaimAfter = TimeSpan.FromHours(1) });
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        PlantMarker(Path.Combine(root, "models", Model), "meta.yaml", DateTime.UtcNow, DeadPid, DateTime.UtcNow.AddMinutes(-5));
        Assert.Equal(1, store.RegisterModel(Model, run).Version);
    }

    [Fact]
    public void A_fresh_claim_of_a_live_process_is_waited_for_then_recovered_after_the_timeout()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var store = new MlflowStore(root, new MlflowStoreOptions { StaleClaimAfter = TimeSpan.FromMilliseconds(300) });
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        PlantMarker(Path.Combine(root, "models", Model), "meta.yaml", DateTime.UtcNow, Environment.ProcessId, Process.GetCurrentProcess().StartTime);
        Assert.Equal(1, store.RegisterModel(Model, run).Version);
        Assert.True(File.Exists(Path.Combine(root, "models", Model, "meta.yaml")));
    }

    [Fact]
    public void A_stale_claim_on_a_model_version_is_taken_over_so_every_version_folder_is_readable()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var (store, run) = Registered(temp);
        PlantMarker(Path.Combine(root, "models", Model, "version-2"), "meta.yaml", DateTime.UtcNow.AddMinutes(-5), DeadPid,
            DateTime.UtcNow.AddHours(-1));
        Assert.Equal(2, store.RegisterModel(Model, run).Version);
        Assert.Equal(3, store.RegisterModel(Model, run).Version);
        // MLflow reads every version-* folder's meta.yaml; none may be missing.
        Assert.All(Directory.EnumerateDirectories(Path.Combine(root, "models", Model), "version-*"),
            d => Assert.True(File.Exists(Path.Combine(d, "meta.yaml")), d));
        Assert.Equal([1, 2, 3], store.Versions(Model).Select(v => v.Version));
    }

    [Theory]
    [InlineData(true, 0)] // its owner died a moment ago: taken over at once
    [InlineData(false, 5)] // its owner is unknown (empty marker), claimed 5 minutes ago: older than the timeout
    public void A_stale_claim_on_an_experiment_name_is_recovered(bool deadOwner, int minutesOld)
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var first = new MlflowStore(root).GetOrCreateExperiment("first");
        // A process claimed the name "second" (the claim is .claimed-experiment-<SHA-256 of the name, hex> in the root) and died.
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("second")));
        var marker = PlantMarker(root, $"experiment-{hash}", DateTime.UtcNow.AddMinutes(-minutesOld), DeadPid, DateTime.UtcNow.AddHours(-1));
        if (!deadOwner) File.WriteAllText(marker, "");
        File.SetLastWriteTimeUtc(marker, DateTime.UtcNow.AddMinutes(-minutesOld));
        var options = new MlflowStoreOptions { StaleClaimAfter = TimeSpan.FromMinutes(1) };
        var second = new MlflowStore(root, options).GetOrCreateExperiment("second");
        Assert.NotEqual(first, second);
        Assert.Equal("second", MlflowStore.ReadYaml(Path.Combine(root, second, "meta.yaml"))["name"]);
        Assert.Equal(second, new MlflowStore(root, options).GetOrCreateExperiment("second"));
    }

    [Fact]
    public void Temporary_files_never_appear_where_mlflow_lists_files()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var store = new MlflowStore(root);
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        var created = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        using var watcher = new FileSystemWatcher(root) { IncludeSubdirectories = true, InternalBufferSize = 1 << 16 };
        watcher.Created += (_, e) => created.Enqueue(e.FullPath);
        watcher.Renamed += (_, e) => created.Enqueue(e.FullPath);
        watcher.Error += (_, e) => errors.Enqueue(e.GetException());
        watcher.EnableRaisingEvents = true;

        run.LogParam("trees", "100").LogMetric("cv_auc", 0.8).LogMetric("cv_auc", 0.81, 1).SetTag("pophealth.recipe", "seed");
        run.LogText("model/MLmodel", "flavors: {}\n");
        var source = temp.File("leaderboard.csv");
        File.WriteAllText(source, "a,b\n1,2\n");
        run.LogArtifact(source);
        store.SetAlias(Model, "prod", store.RegisterModel(Model, run).Version);
        run.SetTag("sentinel", "last");
        var sentinel = Path.Combine(run.RunDirectory, "tags", "sentinel");
        SpinWait.SpinUntil(() => created.Contains(sentinel), TimeSpan.FromSeconds(10));
        Assert.Contains(sentinel, created);
        Assert.Empty(errors);

        var listed = new[] { "metrics", "params", "tags", "artifacts" }.Select(f => Path.Combine(run.RunDirectory, f) + Path.DirectorySeparatorChar)
            .Append(Path.Combine(root, "models", Model, "aliases") + Path.DirectorySeparatorChar).ToArray();
        var inListed = created.Where(p => listed.Any(l => p.StartsWith(l, StringComparison.Ordinal))).ToArray();
        Assert.Contains(Path.Combine(run.RunDirectory, "metrics", "cv_auc"), inListed);
        Assert.All(inListed, p => Assert.DoesNotContain(".tmp", p, StringComparison.Ordinal));
        Assert.All(inListed, p => Assert.False(Path.GetFileName(p).StartsWith('.'), p));
    }

    [Fact]
    public void An_interrupted_run_is_marked_failed_and_its_leftovers_removed_at_the_next_open()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var store = new MlflowStore(root);
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        run.LogMetric("cv_auc", 0.8);
        // What kill -9 leaves: the run's owner gone, a half-staged file and (from writers before staging) a temp beside a metric.
        PlantOwner(run.RunDirectory, Environment.MachineName, DeadPid, DateTime.UtcNow.AddMinutes(-3));
        var staged = Path.Combine(run.RunDirectory, ".staging", "half-written");
        Directory.CreateDirectory(Path.GetDirectoryName(staged)!);
        File.WriteAllText(staged, "12");
        var legacyTemp = Path.Combine(run.RunDirectory, "metrics", $".cv_auc.4242.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(legacyTemp, "17000");

        _ = new MlflowStore(root);
        var meta = MlflowStore.ReadYaml(Path.Combine(run.RunDirectory, "meta.yaml"));
        Assert.Equal("4", meta["status"]); // FAILED
        Assert.True(long.Parse(meta["end_time"]!, CultureInfo.InvariantCulture) >= long.Parse(meta["start_time"]!, CultureInfo.InvariantCulture));
        Assert.False(File.Exists(legacyTemp));
        Assert.False(Directory.Exists(Path.Combine(run.RunDirectory, ".staging")));
        Assert.Equal(["cv_auc"], Directory.EnumerateFiles(Path.Combine(run.RunDirectory, "metrics")).Select(Path.GetFileName));
    }

    [Fact]
    public void A_run_whose_pid_now_belongs_to_another_process_is_marked_failed()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var store = new MlflowStore(root);
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        PlantOwner(run.RunDirectory, Environment.MachineName, Environment.ProcessId, Process.GetCurrentProcess().StartTime.AddDays(-1));
        _ = new MlflowStore(root);
        Assert.Equal("4", MlflowStore.ReadYaml(Path.Combine(run.RunDirectory, "meta.yaml"))["status"]);
    }

    [Fact]
    public void A_running_run_of_a_live_process_or_of_another_machine_stays_running()
    {
        using var temp = Repo.Temp();
        var root = temp.File("mlruns");
        var store = new MlflowStore(root);
        var experiment = store.GetOrCreateExperiment("pophealth");
        var live = store.StartRun(experiment, "live");
        var elsewhere = store.StartRun(experiment, "elsewhere");
        PlantOwner(elsewhere.RunDirectory, "another-machine-" + Guid.NewGuid().ToString("N"), DeadPid, DateTime.UtcNow.AddHours(-1));

        _ = new MlflowStore(root);
        Assert.Equal("1", MlflowStore.ReadYaml(Path.Combine(live.RunDirectory, "meta.yaml"))["status"]);
        Assert.Equal("1", MlflowStore.ReadYaml(Path.Combine(elsewhere.RunDirectory, "meta.yaml"))["status"]);
        live.LogMetric("cv_auc", 0.8).End();
        Assert.Equal("3", MlflowStore.ReadYaml(Path.Combine(live.RunDirectory, "meta.yaml"))["status"]);
        Assert.False(File.Exists(Path.Combine(live.RunDirectory, MlflowStore.OwnerFile)));
    }

    /// <summary>No process has this id: Linux caps ids at 2^22, Windows and macOS far below int.MaxValue.</summary>
    private static int DeadPid => int.MaxValue - 1;

    private static (MlflowStore Store, MlflowRun Run) Registered(TempFolder temp)
    {
        var store = new MlflowStore(temp.File("mlruns"));
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        run.LogText("model/model.onnx", "not really onnx, but not empty");
        store.SetAlias(Model, "prod", store.RegisterModel(Model, run).Version);
        return (store, run);
    }

    /// <summary>Writes a claim marker as the store documents it (owner process, then the claim's age by the file's time).</summary>
    private static string PlantMarker(string folder, string claimed, DateTime writtenUtc, int pid, DateTime processStarted)
    {
        Directory.CreateDirectory(folder);
        var marker = Path.Combine(folder, ".claimed-" + claimed);
        File.WriteAllText(marker, OwnerJson(Environment.MachineName, pid, processStarted));
        File.SetLastWriteTimeUtc(marker, writtenUtc);
        return marker;
    }

    private static void PlantOwner(string runDirectory, string machine, int pid, DateTime processStarted) =>
        File.WriteAllText(Path.Combine(runDirectory, MlflowStore.OwnerFile), OwnerJson(machine, pid, processStarted));

    private static string OwnerJson(string machine, int pid, DateTime processStarted) =>
        $"{{\"machine\": \"{machine}\", \"pid\": {pid}, \"process_started\": \"{processStarted.ToUniversalTime():O}\"}}";
}
