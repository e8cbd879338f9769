using PopHealth.Workbook;

namespace PopHealth.Tests.Workbook;

[Trait("Category", "Unit")]
public sealed class PoolThreadTests
{
    /// <summary>Runs <paramref name="body"/> on a dedicated thread, as a notebook kernel runs a cell, and returns what it returned.</summary>
    private static T OnDedicatedThread<T>(Func<T> body)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() => { try { result = body(); } catch (Exception e) { error = e; } });
        thread.Start();
        thread.Join();
        if (error is not null) throw error;
        return result;
    }

    [Fact]
    public void From_a_dedicated_thread_the_work_runs_on_a_pool_thread()
    {
        var (caller, worker, onPool) = OnDedicatedThread(() =>
        {
            var (id, pool) = PoolThread.Run(() => (Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));
            return (Environment.CurrentManagedThreadId, id, pool);
        });
        Assert.True(onPool);
        Assert.NotEqual(caller, worker);
    }

    [Fact]
    public async Task On_a_pool_thread_the_work_runs_inline()
    {
        var (caller, worker) = await Task.Run(() => (Environment.CurrentManagedThreadId, PoolThread.Run(() => Environment.CurrentManagedThreadId)));
        Assert.Equal(caller, worker);
    }

    [Fact]
    public void Exceptions_come_through_as_thrown()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            OnDedicatedThread(() => PoolThread.Run<int>(() => throw new InvalidDataException("row 7"))));
        Assert.Equal("row 7", e.Message);
    }
}
