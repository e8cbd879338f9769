using System.Globalization;
using System.Text.RegularExpressions;
using PopHealth.Modeling;

namespace PopHealth.Tracking;

/// <summary>The model registry half of the store: <c>models/&lt;name&gt;/</c> as MLflow's registry FileStore reads it.</summary>
public sealed partial class MlflowStore
{
    private static readonly Regex RunIdPattern = new(@"^[A-Za-z0-9][A-Za-z0-9_\-]{0,255}$", RegexOptions.Compiled);

    private string ModelFolder(string name) => Path.Combine(Root, ModelsFolder, name);

    /// <summary>
    /// Registers the model logged at <paramref name="artifactPath"/> of <paramref name="run"/> as a new version of
    /// <paramref name="name"/> (created if needed), with an optional <paramref name="description"/> (MLflow shows it on the
    /// version's page). Concurrent registrations get distinct versions. Every existing version is read first: a malformed one
    /// is an error naming its file before a new version is claimed, so a broken registry never gains versions nobody can tag.
    /// </summary>
    public RegisteredVersion RegisterModel(string name, MlflowRun run, string artifactPath = "model", string? description = null)
    {
        CheckName("registered model", name);
        var folder = ModelFolder(name);
        var modelMeta = Path.Combine(folder, "meta.yaml");
        var now = Now();
        if (!File.Exists(modelMeta) && claims.TakeOrAwait(ClaimMarkers.For(modelMeta), () => File.Exists(modelMeta)))
            WriteYaml(modelMeta,
                new Dictionary<string, object?> { ["creation_timestamp"] = now, ["description"] = null, ["last_updated_timestamp"] = now,
                    ["name"] = name });
        ReadModel(name); // a malformed model is reported before a version is claimed
        CheckVersions(name); // and so is a malformed version
        var source = FileUri(Path.Combine(run.ArtifactDirectory, artifactPath));
        for (var attempt = 0; attempt < 1000; attempt++)
            foreach (var number in Candidates(folder, "version-", int.MaxValue))
            {
                var version = (int)number;
                var meta = Path.Combine(folder, $"version-{version}", "meta.yaml");
                if (!claims.TryTake(ClaimMarkers.For(meta), () => File.Exists(meta))) continue;
                WriteYaml(meta, new Dictionary<string, object?>
                {
                    ["creation_timestamp"] = now, ["current_stage"] = "None", ["description"] = description, ["last_updated_timestamp"] = now,
                    ["name"] = name, ["run_id"] = run.RunId, ["run_link"] = null, ["source"] = source, ["status"] = "READY",
                    ["status_message"] = null, ["storage_location"] = source, ["user_id"] = Environment.UserName,
                    ["version"] = version,
                });
                Touch(name, now);
                return Get(name, version);
            }
        throw new IOException($"Could not register a version of '{name}': too many concurrent registrations.");
    }

    /// <summary>
    /// Reads every version of <paramref name="name"/> (and its aliases), as MLflow's registry lists them: a malformed
    /// <c>meta.yaml</c>, an alias pointing nowhere or a version whose run is not in this store is an error naming it and what to do.
    /// </summary>
    public void CheckVersions(string name)
    {
        foreach (var version in Versions(name)) _ = version;
        foreach (var (alias, version) in Aliases(name)) RequireAliasTarget(name, alias, version);
    }

    /// <summary>An alias pointing at a version <paramref name="name"/> does not have is an error naming the alias file.</summary>
    private void RequireAliasTarget(string name, string alias, int version)
    {
        if (!HasVersion(name, version))
            throw StoreError.Malformed(AliasFile(name, alias),
                $"points at version {version}, which '{name}' does not have; set the alias again or delete the file.");
    }

    /// <summary>
    /// Removes version <paramref name="version"/> of <paramref name="name"/> (its folder, and any alias pointing at it): for a
    /// registration that failed before it was complete, so that no half-registered version stays behind.
    /// </summary>
    public void DeleteVersion(string name, int version)
    {
        CheckName("registered model", name);
        foreach (var (alias, target) in Aliases(name).Where(a => a.Value == version)) File.Delete(Path.Combine(ModelFolder(name), "aliases", alias));
        var folder = Path.Combine(ModelFolder(name), $"version-{version}");
        if (!Directory.Exists(folder)) return;
        // Renamed first (MLflow never lists a hidden folder), then removed: a reader sees the version whole or not at all.
        var doomed = Path.Combine(ModelFolder(name), $".deleted-version-{version}-{Guid.NewGuid():N}");
        Directory.Move(folder, doomed);
        Directory.Delete(doomed, recursive: true);
        Touch(name, Now());
    }

    /// <summary>The registered model's meta.yaml, checked: its creation time and description.</summary>
    private (long Created, string? Description) ReadModel(string name)
    {
        var meta = MetaFile.Read(Path.Combine(ModelFolder(name), "meta.yaml"));
        var recorded = meta.Required("name");
        if (recorded != name) throw StoreError.Malformed(meta.Path, $"field 'name' is '{recorded}' but the folder is '{name}'.");
        return (meta.RequiredLong("creation_timestamp"), meta.Optional("description"));
    }

    private void Touch(string name, long now)
    {
        var (created, description) = ReadModel(name);
        WriteYaml(Path.Combine(ModelFolder(name), "meta.yaml"), new Dictionary<string, object?>
        {
            ["creation_timestamp"] = created, ["description"] = description, ["last_updated_timestamp"] = now, ["name"] = name,
        });
    }

    /// <summary>
    /// Points <paramref name="alias"/> of <paramref name="name"/> at <paramref name="version"/> (moving it if it
    /// pointed elsewhere).
    /// </summary>
    public void SetAlias(string name, string alias, int version)
    {
        CheckName("alias", alias);
        RequireVersion(name, version);
        ReadModel(name);
        var folder = ModelFolder(name);
        StagedFile.WriteText(Path.Combine(folder, StagedFile.StagingFolder), Path.Combine(folder, "aliases", alias),
            version.ToString(CultureInfo.InvariantCulture));
        Touch(name, Now());
    }

    /// <summary>
    /// Sets tag <paramref name="key"/> of version <paramref name="version"/> of <paramref name="name"/> to <paramref name="value"/>:
    /// <c>version-N/tags/&lt;key&gt;</c> holding the value, as MLflow's registry FileStore (set_model_version_tag) writes it.
    /// </summary>
    public void SetVersionTag(string name, int version, string key, string value)
    {
        CheckName("model version tag", key);
        RequireVersion(name, version);
        var folder = ModelFolder(name);
        StagedFile.WriteText(Path.Combine(folder, StagedFile.StagingFolder), Path.Combine(folder, $"version-{version}", "tags", key), value);
        Touch(name, Now());
    }

    /// <summary>
    /// Whether <paramref name="name"/> has version <paramref name="version"/> (its <c>meta.yaml</c>, not read); false for a
    /// name the store could not hold.
    /// </summary>
    internal bool HasVersion(string name, int version) =>
        version > 0 && IsSafeName(name) && File.Exists(Path.Combine(ModelFolder(name), $"version-{version}", "meta.yaml"));

    /// <summary>The version exists and reads (only it: another version's fault does not stop an alias or a tag on this one).</summary>
    private void RequireVersion(string name, int version)
    {
        CheckName("registered model", name);
        if (!HasVersion(name, version)) throw new ArgumentException($"'{name}' has no version {version}.");
        Get(name, version);
    }

    /// <summary>Every version of <paramref name="name"/>, oldest first.</summary>
    public IReadOnlyList<RegisteredVersion> Versions(string name)
    {
        CheckName("registered model", name);
        if (!Directory.Exists(ModelFolder(name))) return [];
        return VersionNumbers(name).Select(v => Get(name, v)).ToArray();
    }

    /// <summary>The numbers of the versions the (existing) folder of <paramref name="name"/> holds with a meta.yaml, in order.</summary>
    private int[] VersionNumbers(string name)
    {
        var folder = ModelFolder(name);
        return Directory.EnumerateDirectories(folder, "version-*")
            .Select(d => int.TryParse(Path.GetFileName(d)["version-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .Where(v => v > 0 && File.Exists(Path.Combine(folder, $"version-{v}", "meta.yaml"))).Order().ToArray();
    }

    private RegisteredVersion Get(string name, int version)
    {
        var meta = MetaFile.Read(Path.Combine(ModelFolder(name), $"version-{version}", "meta.yaml"));
        var recorded = meta.RequiredInt("version");
        if (recorded != version) throw StoreError.Malformed(meta.Path, $"field 'version' is {recorded} but the folder is version-{version}.");
        if (meta.Required("name") != name)
            throw StoreError.Malformed(meta.Path, $"field 'name' is '{meta.Required("name")}' but the model is '{name}'.");
        meta.RequiredLong("creation_timestamp"); // MLflow cannot read a version without it
        var runId = meta.Required("run_id");
        if (!RunIdPattern.IsMatch(runId)) throw StoreError.Malformed(meta.Path, $"field 'run_id' is '{runId}', not a run id.");
        var source = meta.Required("source");
        if (!Uri.TryCreate(source, UriKind.Absolute, out var sourceUri))
            throw StoreError.Malformed(meta.Path,
                $"field 'source' is '{source}', expected the URI of the model's folder (file:///…/artifacts/model).");
        var aliases = Aliases(name).Where(a => a.Value == version).Select(a => a.Key).Order(StringComparer.Ordinal).ToArray();
        // The run under this store, so a moved or copied mlruns folder resolves to its own files. Never the recorded source
        // elsewhere: a copy missing the run would otherwise load another store's model, which may have changed since.
        var local = RunFolder(runId)
            ?? throw StoreError.Malformed(meta.Path, $"its run {runId} is not in this store ({Root}); its recorded source is {sourceUri.LocalPath}" +
                (sourceUri.IsFile && !IsUnder(sourceUri.LocalPath, Root) ? ", in another store, which this store does not read" : "") +
                $". Copy the run's folder (mlruns/<experiment>/{runId}) into this store, or remove version-{version}'s folder.");
        var artifactPath = source.Contains("/artifacts/", StringComparison.Ordinal)
            ? source[(source.LastIndexOf("/artifacts/", StringComparison.Ordinal) + "/artifacts/".Length)..] : "model";
        var directory = Path.Combine(local, "artifacts", artifactPath);
        CheckModelFiles(directory);
        return new RegisteredVersion(name, version, runId, source, directory, aliases) { Tags = VersionTags(name, version),
            Description = meta.Optional("description") };
    }

    private static bool IsUnder(string path, string root) =>
        Path.GetFullPath(path)
            .StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar,
                OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <summary>The tags of a version (<c>version-N/tags/</c>; keys may hold '/', as MLflow's do), by key.</summary>
    private Dictionary<string, string> VersionTags(string name, int version) =>
        Files(Path.Combine(ModelFolder(name), $"version-{version}", "tags"))
            .ToDictionary(f => f.Key, f => File.ReadAllText(f.Path), StringComparer.Ordinal);

    /// <summary>An empty model file is an interrupted export: reported when the version is resolved, not deep inside a loader.</summary>
    private static void CheckModelFiles(string directory)
    {
        foreach (var file in new[] { OnnxModel.FileName, TrainedModel.ModelFile, TrainedModel.SignatureFile, "MLmodel" }
            .Select(f => Path.Combine(directory, f)))
            if (File.Exists(file) && new FileInfo(file).Length == 0)
                throw StoreError.Malformed(file, "empty (0 bytes): the model was not written completely; log and register the model again.");
    }

    /// <summary>
    /// Every alias of <paramref name="name"/> and the version it points at; an alias file not holding a version number
    /// is an error naming it.
    /// </summary>
    private Dictionary<string, int> Aliases(string name)
    {
        var folder = Path.Combine(ModelFolder(name), "aliases");
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder).Where(f => !StagedFile.AtomicTemporary.IsMatch(Path.GetFileName(f)))
            .ToDictionary(f => Path.GetFileName(f), f => ReadAlias(name, f));
    }

    private string AliasFile(string name, string alias) => Path.Combine(ModelFolder(name), "aliases", alias);

    /// <summary>
    /// The version <paramref name="alias"/> of <paramref name="name"/> points at, or null when the model has no such alias
    /// (or either name is one the store could not hold). An alias file not holding a version number is an error naming it;
    /// whether the version exists is not checked here (<see cref="Resolve"/> and <see cref="CheckVersions"/> do).
    /// </summary>
    public int? AliasTarget(string name, string alias)
    {
        if (!IsSafeName(name) || !IsSafeName(alias)) return null;
        var file = AliasFile(name, alias);
        return File.Exists(file) ? ReadAlias(name, file) : null;
    }

    private static int ReadAlias(string name, string file)
    {
        var text = File.ReadAllText(file).Trim();
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0) return version;
        var shown = text.Length > 40 ? text[..40] + "…" : text;
        throw StoreError.Malformed(file,
            $"holds '{shown}', expected the number of the version of '{name}' this alias points at; set the alias again or delete the file.");
    }

    /// <summary>Resolves <c>models:/&lt;name&gt;@&lt;alias&gt;</c> or <c>models:/&lt;name&gt;/&lt;version&gt;</c>.</summary>
    public RegisteredVersion Resolve(string modelUri)
    {
        var match = Regex.Match(modelUri, @"^models:/(?<name>[^@/]+)(@(?<alias>[^/]+)|/(?<version>\d+))$");
        if (!match.Success)
            throw new ArgumentException($"'{modelUri}' is not a model URI: expected models:/<name>@<alias> or models:/<name>/<version>.");
        var name = match.Groups["name"].Value;
        CheckName("registered model", name);
        if (!Directory.Exists(ModelFolder(name)))
            throw new ModelNotFoundException($"{modelUri}: no registered model '{name}' in {Root}; run 04-train (it registers the model), " +
                $"or point POPHEALTH_DATA at the data root that holds it.");
        int version;
        if (match.Groups["alias"].Success)
        {
            var alias = match.Groups["alias"].Value;
            CheckName("alias", alias);
            version = AliasTarget(name, alias)
                ?? throw new ModelNotFoundException($"{modelUri}: '{name}' has no alias '{alias}' in {Root} (versions: {VersionList(name)}); " +
                    "run 04-train, which moves the alias when its model passes the promotion rules, or name a version (models:/<name>/<version>).");
            RequireAliasTarget(name, alias, version);
        }
        else if (!int.TryParse(match.Groups["version"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out version)
                 || !File.Exists(Path.Combine(ModelFolder(name), $"version-{version}", "meta.yaml")))
            throw new ModelNotFoundException($"{modelUri}: '{name}' has no version {match.Groups["version"].Value} in {Root} " +
                $"(versions: {VersionList(name)}).");
        return Get(name, version);
    }

    /// <summary>The version numbers a model's folder holds, for messages ("none" when it has none).</summary>
    private string VersionList(string name)
    {
        var numbers = VersionNumbers(name);
        return numbers.Length == 0 ? "none" : string.Join(", ", numbers);
    }
}
