using PopHealth.Workbook;

namespace PopHealth.Tracking;

/// <summary>
/// What opening the store repairs: a run whose owner process is gone from this machine while the run is RUNNING becomes
/// FAILED (status 4, end_time = now), and the leftovers of its interrupted writes are removed (its <c>.staging</c> folder,
/// and temporary files older writers left beside metrics, params, tags or artifacts). Leftover staged alias files older
/// than the claim timeout are removed too, and so are the temporary files of <c>meta.yaml</c> writes (an experiment's, a
/// registered model's, a version's) whose writing process is gone (<see cref="AtomicFile.SweepLeftovers"/>). A run of a live
/// process, or of another machine, is left alone. Cheap: only runs with an owner file (running or interrupted ones) are
/// looked at, and one listing per experiment, model and version.
/// </summary>
internal static class StoreRecovery
{
    private static readonly string[] ListedRunFolders = ["metrics", "params", "tags", "artifacts"];

    public static void Run(MlflowStore store)
    {
        foreach (var experiment in store.ExperimentFolders())
        {
            Sweep(experiment);
            foreach (var run in Directory.EnumerateDirectories(experiment))
            {
                var ownerFile = Path.Combine(run, MlflowStore.OwnerFile);
                if (!File.Exists(ownerFile)) continue;
                try
                {
                    if (ProcessOwner.Read(ownerFile).IsGone()) RecoverRun(run, ownerFile);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The run ended a moment ago (its owner file went), or the store is read-only or busy: the next open that can write recovers it.
                }
            }
        }
        var models = Path.Combine(store.Root, MlflowStore.ModelsFolder);
        if (!Directory.Exists(models)) return;
        foreach (var model in Directory.EnumerateDirectories(models))
        {
            RemoveOld(Path.Combine(model, StagedFile.StagingFolder), "*", store.Options.StaleClaimAfter);
            RemoveOld(Path.Combine(model, "aliases"), ".*.tmp", store.Options.StaleClaimAfter);
            Sweep(model);
            foreach (var version in Directory.EnumerateDirectories(model, "version-*")) Sweep(version);
        }
    }

    /// <summary>
    /// The temporary files of writes a killed process left in <paramref name="folder"/> (see
    /// <see cref="AtomicFile.SweepLeftovers"/>).
    /// </summary>
    private static void Sweep(string folder)
    {
        try { AtomicFile.SweepLeftovers(folder); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or busy store: the next open that can write sweeps it.
        }
    }

    private static void RecoverRun(string run, string ownerFile)
    {
        var metaPath = Path.Combine(run, "meta.yaml");
        if (File.Exists(metaPath))
        {
            var meta = MetaFile.Read(metaPath);
            // MLflow's RUNNING (1) and SCHEDULED (5) both mean "not ended".
            if (meta.RequiredInt("status") is RunRecord.Running or 5)
                RunRecord.Read(meta).Write(metaPath, RunRecord.Failed, MlflowStore.Now());
        }
        Sweep(run); // an interrupted write of the run's meta.yaml
        var staging = Path.Combine(run, StagedFile.StagingFolder);
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        foreach (var folder in ListedRunFolders.Select(f => Path.Combine(run, f)).Where(Directory.Exists))
            foreach (var file in Directory.EnumerateFiles(folder, ".*.tmp", SearchOption.AllDirectories)
                .Where(f => StagedFile.AtomicTemporary.IsMatch(Path.GetFileName(f))))
                File.Delete(file);
        File.Delete(ownerFile);
    }

    private static void RemoveOld(string folder, string pattern, TimeSpan age)
    {
        if (!Directory.Exists(folder)) return;
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder, pattern))
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(entry) <= age) continue;
            if (pattern != "*" && !StagedFile.AtomicTemporary.IsMatch(Path.GetFileName(entry))) continue;
            try
            {
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Removed by another process opening the store at the same moment, or not ours to remove.
            }
        }
    }
}
