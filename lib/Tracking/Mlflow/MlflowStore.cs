using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PopHealth.Workbook;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace PopHealth.Tracking;

/// <summary>A registered model version and where its files are.</summary>
public sealed record RegisteredVersion(string Name, int Version, string RunId, string Source, string ArtifactDirectory, IReadOnlyList<string> Aliases)
{
    /// <summary>The version's tags (MLflow's model version tags), by key.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>The version's description, or null.</summary>
    public string? Description { get; init; }
}

/// <summary>
/// MLflow's file store (<c>mlruns/</c>), written from .NET in the layout MLflow's own <c>FileStore</c> reads
/// (tracking: experiments, runs, params, metrics, tags, artifacts; registry: <c>models/&lt;name&gt;/version-N</c> and
/// aliases). MLflow has no .NET client, so this is small, tested code. Every file is written atomically, and never through
/// a temporary file in a folder MLflow lists (see <see cref="StagedFile"/>). Writers in several processes agree through
/// claim markers (<see cref="ClaimMarkers"/>); a malformed file is an <see cref="InvalidDataException"/> naming it. Opening
/// the store recovers what dead processes left: their RUNNING runs become FAILED (see <see cref="MlflowStoreOptions"/>).
/// </summary>
public sealed partial class MlflowStore
{
    public const string ModelsFolder = "models";

    /// <summary>The file beside a running run's <c>meta.yaml</c> naming the process logging it (removed when the run ends).</summary>
    public const string OwnerFile = ".owner.json";

    private static readonly Regex SafeName = new(@"^[A-Za-z0-9_\-\. /]+$", RegexOptions.Compiled);
    // MLflow reads with PyYAML (YAML 1.1): a name "2016", an id "1" or a time "2026-01-01 10:00:00" must stay text.
    private static readonly ISerializer Yaml = new SerializerBuilder().WithQuotingNecessaryStrings(quoteYaml1_1Strings: true)
        .WithEventEmitter(next => new QuotedTimestamps(next)).Build();
    private readonly ClaimMarkers claims;

    public MlflowStore(string root, MlflowStoreOptions? options = null)
    {
        Root = Path.GetFullPath(root);
        Options = options ?? new MlflowStoreOptions();
        claims = new ClaimMarkers(Options);
        Directory.CreateDirectory(Root);
        if (Options.RecoverOnOpen) StoreRecovery.Run(this);
    }

    public string Root { get; }
    public MlflowStoreOptions Options { get; }

    internal static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    internal static string FileUri(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;
    internal static void WriteYaml(string path, IReadOnlyDictionary<string, object?> values) => AtomicFile.WriteAllText(path, Yaml.Serialize(values));

    /// <summary>Reads a flat YAML mapping (as MLflow writes them) into strings (null for YAML nulls, lists and mappings).</summary>
    public static IReadOnlyDictionary<string, string?> ReadYaml(string path) => MetaFile.Read(path).Scalars();

    internal static void CheckName(string kind, string name)
    {
        if (!IsSafeName(name)) throw new ArgumentException($"MLflow {kind} name '{name}' may hold only letters, digits, _ - . space and /.");
    }

    private static bool IsSafeName(string name) => !string.IsNullOrWhiteSpace(name) && SafeName.IsMatch(name) && !name.Contains("..");

    /// <summary>Experiment folders: every folder of the root but the registry's and MLflow's trash (as MLflow lists them).</summary>
    internal IEnumerable<string> ExperimentFolders() => Directory.EnumerateDirectories(Root)
        .Where(d => Path.GetFileName(d) is var n && n != ModelsFolder && !n.StartsWith('.'));

    private string? FindExperiment(string name)
    {
        foreach (var folder in ExperimentFolders())
        {
            var meta = Path.Combine(folder, "meta.yaml");
            if (File.Exists(meta) && MetaFile.Read(meta).Optional("name") == name) return Path.GetFileName(folder);
        }
        return null;
    }

    /// <summary>
    /// The id of the experiment named <paramref name="name"/>, created (with the next free numeric id) if needed. Creation
    /// is exclusive by name: writers in several processes asking for one new name get one experiment.
    /// </summary>
    public string GetOrCreateExperiment(string name)
    {
        CheckName("experiment", name);
        if (FindExperiment(name) is { } found) return found;
        // The name's claim is a file in the root, which MLflow never lists (it lists folders only); hashed, as names may hold '/'.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
        var marker = Path.Combine(Root, $"{ClaimMarkers.Prefix}experiment-{hash}");
        if (!claims.TakeOrAwait(marker, () => FindExperiment(name) is not null))
            return FindExperiment(name)
                ?? throw new IOException($"Experiment '{name}' in {Root} was created and removed while this writer waited; try again.");
        if (FindExperiment(name) is { } created) return created; // made before the name had a claim (by an older writer or MLflow)
        for (var attempt = 0; attempt < 100; attempt++)
            foreach (var number in Candidates(Root, ""))
            {
                var id = number.ToString(CultureInfo.InvariantCulture);
                var folder = Path.Combine(Root, id);
                var meta = Path.Combine(folder, "meta.yaml");
                if (!claims.TryTake(ClaimMarkers.For(meta), () => File.Exists(meta))) continue;
                var now = Now();
                WriteYaml(meta, new Dictionary<string, object?>
                {
                    ["artifact_location"] = FileUri(folder), ["creation_time"] = now, ["experiment_id"] = id,
                    ["last_update_time"] = now, ["lifecycle_stage"] = "active", ["name"] = name,
                });
                return id;
            }
        throw new IOException($"Could not create experiment '{name}' in {Root}: too many concurrent creations.");
    }

    /// <summary>
    /// The numbers to try claiming among folders <c>&lt;prefix&gt;N</c> of <paramref name="parent"/>: those left claimed
    /// without their meta.yaml (taken over only if the claim is stale; MLflow cannot read such a folder), then one past the
    /// highest. Every folder counts, including one claimed a moment ago whose meta.yaml is still being written.
    /// </summary>
    internal static IEnumerable<long> Candidates(string parent, string prefix, long max = long.MaxValue - 1)
    {
        var numbered = Directory.Exists(parent)
            ? Directory.EnumerateDirectories(parent, prefix + "*")
                .Select(d => (Folder: d,
                    Number: long.TryParse(Path.GetFileName(d)[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0))
                .Where(d => d.Number > 0 && d.Number <= max).ToArray()
            : [];
        var unfinished = numbered.Where(d => !File.Exists(Path.Combine(d.Folder, "meta.yaml"))
            && File.Exists(ClaimMarkers.For(Path.Combine(d.Folder, "meta.yaml"))));
        return unfinished.Select(d => d.Number).Order().Append(numbered.Select(d => d.Number).DefaultIfEmpty(0).Max() + 1).ToArray();
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
}

/// <summary>YAML 1.1 reads a plain <c>2026-01-01 10:00:00.5</c> as a timestamp; MLflow's writer quotes such text, and so do we.</summary>
internal sealed class QuotedTimestamps(IEventEmitter next) : ChainedEventEmitter(next)
{
    private static readonly Regex Timestamp = new(@"^\d{4}-\d{1,2}-\d{1,2}([Tt]|\s+)\d", RegexOptions.Compiled);

    public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
    {
        if (eventInfo.Source.Value is string text && Timestamp.IsMatch(text)) eventInfo.Style = ScalarStyle.DoubleQuoted;
        base.Emit(eventInfo, emitter);
    }
}
