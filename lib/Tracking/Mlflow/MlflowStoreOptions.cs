namespace PopHealth.Tracking;

/// <summary>How the store treats files left behind by processes that died (see <see cref="MlflowStore"/>).</summary>
public sealed record MlflowStoreOptions
{
    /// <summary>
    /// A claim marker (a name, experiment id or model version being created) whose file has not appeared after this long is
    /// taken as left by a process that died, and is taken over. A claim whose owner process is known to be gone on this
    /// machine is taken over at once. Writing the claimed file takes milliseconds, so 30 s is far beyond any live writer.
    /// </summary>
    public TimeSpan StaleClaimAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When the store is opened, mark runs left RUNNING by a process that is gone (on this machine) as FAILED, and remove
    /// what their interrupted writes left behind.
    /// </summary>
    public bool RecoverOnOpen { get; init; } = true;
}

/// <summary>
/// The store's one error for a malformed file: an <see cref="InvalidDataException"/> (as every reader of the workbook
/// raises for bad files) whose message starts with the file's path, then says what is wrong and what to do.
/// </summary>
internal static class StoreError
{
    public static InvalidDataException Malformed(string path, string problem, Exception? inner = null) => new($"{path}: {problem}", inner);
}
