namespace PopHealth.Tracking;

/// <summary>
/// How concurrent writers (threads or processes) agree on who creates a thing (an experiment name, an experiment id, a
/// registered model, a model version): a hidden marker file <c>.claimed-&lt;file&gt;</c> created with exclusive create
/// (atomic on every file system .NET supports), holding its owner (<see cref="ProcessOwner"/>). The marker stays after the
/// claimed file is written. A marker whose file never appeared is stale when its owner is gone from this machine or it is
/// older than <see cref="MlflowStoreOptions.StaleClaimAfter"/>; it is then taken over, one breaker at a time.
/// </summary>
internal sealed class ClaimMarkers(MlflowStoreOptions options)
{
    public const string Prefix = ".claimed-";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>The marker that claims <paramref name="path"/>.</summary>
    public static string For(string path) => Path.Combine(Path.GetDirectoryName(path)!, Prefix + Path.GetFileName(path));

    /// <summary>
    /// Takes the claim if nobody holds it, or if its holder left it stale without completing (<paramref name="completed"/>
    /// false). Never waits: false means another writer holds it or completed it.
    /// </summary>
    public bool TryTake(string marker, Func<bool> completed)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (TryCreate(marker, ProcessOwner.Current.ToJson())) return true;
            if (completed()) return false;
            var seen = Snapshot(marker);
            if (seen is null) continue; // broken by someone else a moment ago
            if (!IsStale(seen.Value)) return false;
            Break(marker, seen.Value, completed);
        }
        return false;
    }

    /// <summary>
    /// Takes the claim, or waits while a live holder completes it (then false). A stale claim is taken over, so a writer that
    /// died never blocks later ones for longer than <see cref="MlflowStoreOptions.StaleClaimAfter"/>.
    /// </summary>
    public bool TakeOrAwait(string marker, Func<bool> completed)
    {
        var deadline = DateTime.UtcNow + options.StaleClaimAfter * 2 + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (TryTake(marker, completed)) return true;
            if (completed()) return false;
            Thread.Sleep(Poll);
        }
        throw new IOException($"{marker}: still claimed after {options.StaleClaimAfter.TotalSeconds * 2 + 10:0} s and its file never appeared; " +
            "delete the marker if no process is writing to this store.");
    }

    private static bool TryCreate(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            using var writer = new StreamWriter(stream);
            writer.Write(content);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    /// <summary>What a marker looked like: its time and content (so a breaker deletes only the marker it judged stale).</summary>
    private static (DateTime Written, string Content)? Snapshot(string marker)
    {
        try
        {
            var written = File.GetLastWriteTimeUtc(marker);
            var content = File.ReadAllText(marker);
            return File.Exists(marker) ? (written, content) : null;
        }
        catch (IOException)
        {
            return null; // gone, or being written (Windows shares no reads with a writer): look again next round
        }
    }

    private bool IsStale((DateTime Written, string Content) seen) =>
        DateTime.UtcNow - seen.Written > options.StaleClaimAfter || ProcessOwner.TryParse(seen.Content)?.IsGone() == true;

    /// <summary>
    /// Deletes a stale marker under a second exclusive marker (<c>….breaking</c>), after checking it is still the marker
    /// judged stale, so two breakers never delete each other's fresh claims.
    /// </summary>
    private void Break(string marker, (DateTime Written, string Content) seen, Func<bool> completed)
    {
        var breaker = marker + ".breaking";
        if (!TryCreate(breaker, ProcessOwner.Current.ToJson()))
        {
            // Breaking takes microseconds; a breaker this old was left by a process that died while breaking.
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(breaker) > options.StaleClaimAfter) TryDelete(breaker);
            return;
        }
        try
        {
            if (Snapshot(marker) == seen && !completed()) TryDelete(marker);
        }
        finally
        {
            TryDelete(breaker);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { } // another process removed or holds it: the next round of the caller sees that
    }
}
