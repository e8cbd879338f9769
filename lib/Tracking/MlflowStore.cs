using System.Globalization;
using System.Text.RegularExpressions;
using PopHealth.Workbook;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace PopHealth.Tracking;

/// <summary>A registered model version and where its files are.</summary>
public sealed record RegisteredVersion(string Name, int Version, string RunId, string Source, string ArtifactDirectory, IReadOnlyList<string> Aliases);

/// <summary>
/// MLflow's file store (<c>mlruns/</c>), written from .NET in the layout MLflow's own <c>FileStore</c> reads
/// (tracking: experiments, runs, params, metrics, tags, artifacts; registry: <c>models/&lt;name&gt;/version-N</c> and
/// aliases). MLflow has no .NET client, so this is small, tested code. Every file is written atomically.
/// </summary>
public sealed class MlflowStore
{
    public const string ModelsFolder = "models";
    private static readonly Regex SafeName = new(@"^[A-Za-z0-9_\-\. /]+$", RegexOptions.Compiled);
    private static readonly ISerializer Yaml = new SerializerBuilder().Build();

    public MlflowStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    internal static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    internal static string FileUri(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;
    internal static void WriteYaml(string path, IReadOnlyDictionary<string, object?> values) => AtomicFile.WriteAllText(path, Yaml.Serialize(values));

    /// <summary>Reads a flat YAML mapping (as MLflow writes them) into strings (null for YAML nulls).</summary>
    public static IReadOnlyDictionary<string, string?> ReadYaml(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"MLflow store file missing: {path}", path);
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{path}: not valid YAML ({e.Message}).", e);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode map)
            throw new InvalidDataException($"{path}: expected a YAML mapping.");
        return map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => kv.Value is YamlScalarNode s && s.Value is not ("" or "null" or "~") ? s.Value : null);
    }

    internal static void CheckName(string kind, string name)
    {
        if (string.IsNullOrWhiteSpace(name) || !SafeName.IsMatch(name) || name.Contains(".."))
            throw new ArgumentException($"MLflow {kind} name '{name}' may hold only letters, digits, _ - . space and /.");
    }

    /// <summary>The id of the experiment named <paramref name="name"/>, created (with the next free numeric id) if needed.</summary>
    public string GetOrCreateExperiment(string name)
    {
        CheckName("experiment", name);
        foreach (var folder in Directory.EnumerateDirectories(Root))
        {
            var meta = Path.Combine(folder, "meta.yaml");
            if (File.Exists(meta) && ReadYaml(meta).TryGetValue("name", out var existing) && existing == name)
                return Path.GetFileName(folder);
        }
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var id = (Directory.EnumerateDirectories(Root).Select(Path.GetFileName)
                .Select(n => long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1).DefaultIfEmpty(0).Max() + 1)
                .ToString(CultureInfo.InvariantCulture);
            var folder = Path.Combine(Root, id);
            var now = Now();
            if (Claim(Path.Combine(folder, "meta.yaml"), new Dictionary<string, object?>
            {
                ["artifact_location"] = FileUri(folder), ["creation_time"] = now, ["experiment_id"] = id,
                ["last_update_time"] = now, ["lifecycle_stage"] = "active", ["name"] = name,
            }))
                return id;
        }
        throw new IOException($"Could not create experiment '{name}' in {Root}: too many concurrent creations.");
    }

    /// <summary>
    /// Writes a YAML file only if nobody has claimed it yet: the claim is a hidden marker created with exclusive
    /// create (atomic on every file system .NET supports), then the file itself is written atomically. This is how
    /// concurrent writers (threads or processes) agree on experiment ids and model versions.
    /// </summary>
    internal static bool Claim(string path, IReadOnlyDictionary<string, object?> values)
    {
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var marker = Path.Combine(folder, ".claimed-" + Path.GetFileName(path));
        try
        {
            using (new FileStream(marker, FileMode.CreateNew, FileAccess.Write, FileShare.None)) { }
        }
        catch (IOException) when (File.Exists(marker))
        {
            return false;
        }
        WriteYaml(path, values);
        return true;
    }

    /// <summary>Starts a run in experiment <paramref name="experimentId"/>.</summary>
    public MlflowRun StartRun(string experimentId, string runName, string? parentRunId = null)
    {
        if (!File.Exists(Path.Combine(Root, experimentId, "meta.yaml"))) throw new ArgumentException($"No experiment {experimentId} in {Root}.");
        var run = new MlflowRun(this, experimentId, Guid.NewGuid().ToString("N"), runName, Now());
        run.SetTag("mlflow.runName", runName);
        run.SetTag("mlflow.user", Environment.UserName);
        run.SetTag("mlflow.source.type", "LOCAL");
        run.SetTag("mlflow.source.name", "PopHealth workbook");
        if (parentRunId is not null) run.SetTag("mlflow.parentRunId", parentRunId);
        return run;
    }

    private string ModelFolder(string name) => Path.Combine(Root, ModelsFolder, name);

    /// <summary>
    /// Registers the model logged at <paramref name="artifactPath"/> of <paramref name="run"/> as a new version of
    /// <paramref name="name"/> (created if needed). Concurrent registrations get distinct versions.
    /// </summary>
    public RegisteredVersion RegisterModel(string name, MlflowRun run, string artifactPath = "model")
    {
        CheckName("registered model", name);
        var folder = ModelFolder(name);
        var now = Now();
        var modelMeta = Path.Combine(folder, "meta.yaml");
        if (!Claim(modelMeta, new Dictionary<string, object?>
            {
                ["creation_timestamp"] = now, ["description"] = null, ["last_updated_timestamp"] = now, ["name"] = name,
            }))
        {
            // Another writer created the model a moment ago; its meta.yaml may still be on its way.
            for (var wait = 0; wait < 250 && !File.Exists(modelMeta); wait++) Thread.Sleep(20);
        }
        var source = FileUri(Path.Combine(run.ArtifactDirectory, artifactPath));
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            // Every version folder counts, including one claimed a moment ago whose meta.yaml is still being written.
            var version = Directory.EnumerateDirectories(folder, "version-*")
                .Select(d => int.TryParse(Path.GetFileName(d)["version-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .DefaultIfEmpty(0).Max() + 1;
            if (Claim(Path.Combine(folder, $"version-{version}", "meta.yaml"), new Dictionary<string, object?>
            {
                ["creation_timestamp"] = now, ["current_stage"] = "None", ["description"] = null, ["last_updated_timestamp"] = now,
                ["name"] = name, ["run_id"] = run.RunId, ["run_link"] = null, ["source"] = source, ["status"] = "READY",
                ["status_message"] = null, ["storage_location"] = source, ["user_id"] = Environment.UserName,
                ["version"] = version,
            }))
            {
                Touch(name, now);
                return Get(name, version);
            }
        }
        throw new IOException($"Could not register a version of '{name}': too many concurrent registrations.");
    }

    private void Touch(string name, long now)
    {
        var meta = Path.Combine(ModelFolder(name), "meta.yaml");
        var current = ReadYaml(meta);
        WriteYaml(meta, new Dictionary<string, object?>
        {
            ["creation_timestamp"] = long.Parse(current["creation_timestamp"]!, CultureInfo.InvariantCulture), ["description"] = current.GetValueOrDefault("description"),
            ["last_updated_timestamp"] = now, ["name"] = name,
        });
    }

    /// <summary>Points <paramref name="alias"/> of <paramref name="name"/> at <paramref name="version"/> (moving it if it pointed elsewhere).</summary>
    public void SetAlias(string name, string alias, int version)
    {
        CheckName("alias", alias);
        if (Versions(name).All(v => v.Version != version)) throw new ArgumentException($"'{name}' has no version {version}.");
        AtomicFile.WriteAllText(Path.Combine(ModelFolder(name), "aliases", alias), version.ToString(CultureInfo.InvariantCulture));
        Touch(name, Now());
    }

    /// <summary>Every version of <paramref name="name"/>, oldest first.</summary>
    public IReadOnlyList<RegisteredVersion> Versions(string name)
    {
        var folder = ModelFolder(name);
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateDirectories(folder, "version-*")
            .Select(d => int.TryParse(Path.GetFileName(d)["version-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .Where(v => v > 0 && File.Exists(Path.Combine(folder, $"version-{v}", "meta.yaml")))
            .Order().Select(v => Get(name, v)).ToArray();
    }

    private RegisteredVersion Get(string name, int version)
    {
        var meta = ReadYaml(Path.Combine(ModelFolder(name), $"version-{version}", "meta.yaml"));
        var runId = meta.GetValueOrDefault("run_id") ?? throw new InvalidDataException($"{name} version {version}: no run_id.");
        var source = meta.GetValueOrDefault("source") ?? "";
        var aliasFolder = Path.Combine(ModelFolder(name), "aliases");
        var aliases = Directory.Exists(aliasFolder)
            ? Directory.EnumerateFiles(aliasFolder).Where(f => !Path.GetFileName(f).StartsWith('.') && File.ReadAllText(f).Trim() == version.ToString(CultureInfo.InvariantCulture)).Select(Path.GetFileName).ToArray()
            : [];
        // Find the run under this store, so a moved or copied mlruns folder still resolves; fall back to the recorded source.
        var local = Directory.EnumerateDirectories(Root).Select(e => Path.Combine(e, runId)).FirstOrDefault(Directory.Exists);
        var artifactPath = source.Contains("/artifacts/", StringComparison.Ordinal) ? source[(source.LastIndexOf("/artifacts/", StringComparison.Ordinal) + "/artifacts/".Length)..] : "model";
        var directory = local is not null ? Path.Combine(local, "artifacts", artifactPath) : new Uri(source).LocalPath;
        return new RegisteredVersion(name, version, runId, source, directory, aliases!);
    }

    /// <summary>Resolves <c>models:/&lt;name&gt;@&lt;alias&gt;</c> or <c>models:/&lt;name&gt;/&lt;version&gt;</c>.</summary>
    public RegisteredVersion Resolve(string modelUri)
    {
        var match = Regex.Match(modelUri, @"^models:/(?<name>[^@/]+)(@(?<alias>[^/]+)|/(?<version>\d+))$");
        if (!match.Success) throw new ArgumentException($"'{modelUri}' is not a model URI: expected models:/<name>@<alias> or models:/<name>/<version>.");
        var name = match.Groups["name"].Value;
        if (!Directory.Exists(ModelFolder(name))) throw new KeyNotFoundException($"{modelUri}: no registered model '{name}' in {Root}.");
        int version;
        if (match.Groups["alias"].Success)
        {
            var aliasFile = Path.Combine(ModelFolder(name), "aliases", match.Groups["alias"].Value);
            if (!File.Exists(aliasFile)) throw new KeyNotFoundException($"{modelUri}: '{name}' has no alias '{match.Groups["alias"].Value}'.");
            version = int.Parse(File.ReadAllText(aliasFile).Trim(), CultureInfo.InvariantCulture);
        }
        else version = int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture);
        if (!File.Exists(Path.Combine(ModelFolder(name), $"version-{version}", "meta.yaml")))
            throw new KeyNotFoundException($"{modelUri}: '{name}' has no version {version}.");
        return Get(name, version);
    }
}

/// <summary>A run being logged: params, metrics, tags and artifacts under <c>mlruns/&lt;experiment&gt;/&lt;run id&gt;/</c>.</summary>
public sealed class MlflowRun
{
    private readonly MlflowStore store;
    private readonly long startTime;
    private readonly string runName;

    internal MlflowRun(MlflowStore store, string experimentId, string runId, string runName, long startTime)
    {
        this.store = store;
        ExperimentId = experimentId;
        RunId = runId;
        this.runName = runName;
        this.startTime = startTime;
        Directory.CreateDirectory(ArtifactDirectory);
        WriteMeta(status: 1, endTime: null); // RUNNING
    }

    public string ExperimentId { get; }
    public string RunId { get; }
    public string RunDirectory => Path.Combine(store.Root, ExperimentId, RunId);
    public string ArtifactDirectory => Path.Combine(store.Root, ExperimentId, RunId, "artifacts");

    private void WriteMeta(int status, long? endTime) => MlflowStore.WriteYaml(Path.Combine(RunDirectory, "meta.yaml"), new Dictionary<string, object?>
    {
        ["artifact_uri"] = MlflowStore.FileUri(ArtifactDirectory), ["end_time"] = endTime, ["entry_point_name"] = "", ["experiment_id"] = ExperimentId,
        ["lifecycle_stage"] = "active", ["run_id"] = RunId, ["run_name"] = runName, ["run_uuid"] = RunId, ["source_name"] = "", ["source_type"] = 4,
        ["source_version"] = "", ["start_time"] = startTime, ["status"] = status, ["tags"] = Array.Empty<string>(), ["user_id"] = Environment.UserName,
    });

    public MlflowRun LogParam(string key, string value)
    {
        MlflowStore.CheckName("param", key);
        var path = Path.Combine(RunDirectory, "params", key);
        if (File.Exists(path) && File.ReadAllText(path) != value) throw new InvalidOperationException($"Param '{key}' of run {RunId} is already '{File.ReadAllText(path)}'; MLflow params cannot change.");
        AtomicFile.WriteAllText(path, value);
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
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var line = $"{MlflowStore.Now()} {value.ToString("R", CultureInfo.InvariantCulture)} {step}\n";
        var existing = File.Exists(path) ? File.ReadAllText(path) : "";
        AtomicFile.WriteAllText(path, existing + line);
        return this;
    }

    public MlflowRun SetTag(string key, string value)
    {
        MlflowStore.CheckName("tag", key);
        AtomicFile.WriteAllText(Path.Combine(RunDirectory, "tags", key), value);
        return this;
    }

    /// <summary>Copies a file into the run's artifacts (optionally under <paramref name="folder"/>).</summary>
    public string LogArtifact(string file, string? folder = null)
    {
        var target = Path.Combine(ArtifactDirectory, folder ?? "", Path.GetFileName(file));
        AtomicFile.Write(target, (string temporary) => File.Copy(file, temporary));
        return target;
    }

    /// <summary>Writes a text artifact.</summary>
    public string LogText(string relativePath, string text)
    {
        var target = Path.Combine(ArtifactDirectory, relativePath);
        AtomicFile.WriteAllText(target, text);
        return target;
    }

    /// <summary>Marks the run finished (status 3) or failed (4).</summary>
    public void End(bool succeeded = true) => WriteMeta(succeeded ? 3 : 4, MlflowStore.Now());
}
