namespace PopHealth.Workbook;

/// <summary>
/// Runs work on a thread-pool thread. Code that splits its work into small tasks and waits for them (ML.NET's FastTree
/// and FastForest do, for each tree) runs those tasks inline when it waits on a pool thread, but from any other thread
/// each task is handed to the pool and waited for. A notebook kernel runs its cells on a dedicated thread.
/// </summary>
public static class PoolThread
{
    /// <summary>
    /// Runs <paramref name="work"/> here when this is a pool thread, else on one, waiting for it; its exceptions come
    /// through as thrown.
    /// </summary>
    public static T Run<T>(Func<T> work) =>
        Thread.CurrentThread.IsThreadPoolThread ? work() : Task.Run(work).GetAwaiter().GetResult();
}
