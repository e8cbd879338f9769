using System.Collections.Concurrent;

namespace PopHealth.Modeling;

/// <summary>
/// Runs a sweep's fits on several threads in the order that keeps them busy. ML.NET trains FastTree and FastForest under
/// one process-wide lock (<c>FastTreeShared.TrainLock</c>) and forces full garbage collections as each starts, so two of
/// them never overlap: one thread takes those (longest first) while the others take the LightGBM fits (longest first),
/// and each turns to the other queue when its own is empty. Results do not depend on the order: every fit is seeded and
/// single-threaded.
/// </summary>
public static class FitSchedule
{
    /// <summary>Whether ML.NET trains <paramref name="spec"/> under its process-wide FastTree lock.</summary>
    public static bool Serialised(ModelSpec spec) => spec.Trainer != TrainerKind.LightGbm;

    /// <summary>The order each queue is worked in: serialised fits, then the others, each longest first (stable).</summary>
    public static (T[] Serialised, T[] Free) Queues<T>(IReadOnlyList<T> work, Func<T, ModelSpec> spec)
    {
        var ordered = work.Select((item, index) => (item, index)).OrderByDescending(x => spec(x.item).Cost).ThenBy(x => x.index).Select(x => x.item).ToArray();
        return (ordered.Where(item => Serialised(spec(item))).ToArray(), ordered.Where(item => !Serialised(spec(item))).ToArray());
    }

    /// <summary>Runs <paramref name="fit"/> on every item with <paramref name="threads"/> threads: thread 0 prefers the serialised fits, the others the free ones.</summary>
    public static void Run<T>(IReadOnlyList<T> work, Func<T, ModelSpec> spec, int threads, Action<T> fit)
    {
        var (serialised, free) = Queues(work, spec);
        var queues = new[] { new ConcurrentQueue<T>(serialised), new ConcurrentQueue<T>(free) };
        void Worker(int thread)
        {
            var first = thread == 0 ? queues[0] : queues[1];
            var second = thread == 0 ? queues[1] : queues[0];
            while (first.TryDequeue(out var item) || second.TryDequeue(out item)) fit(item);
        }
        // Dedicated threads: each worker runs for the whole sweep.
        Task.WaitAll(Enumerable.Range(0, Math.Max(1, threads)).Select(t => Task.Factory.StartNew(() => Worker(t), TaskCreationOptions.LongRunning)).ToArray());
    }
}
