using System.Buffers;
using Parquet.Schema;
using PopHealth.Workbook;

namespace PopHealth.Tests.Workbook;

/// <summary>
/// Regression: Parquet.Net 6.1 reads a required (non-nullable) column into nullable memory through definition levels it never
/// sets, so whatever a pooled buffer last held decided which values came back null (the population extract's required
/// <c>year</c> read back with 61-257 nulls of 2,805 after other work in the same process).
/// </summary>
[Trait("Category", "Unit")]
public class ParquetFramesRequiredTests
{
    [Fact]
    public async Task Required_columns_read_back_whole_whatever_the_shared_pool_last_held()
    {
        const int n = 3000;
        using var temp = Repo.Temp();
        var path = temp.File("required.parquet");
        var fields = new DataField[] { new DataField<int>("year"), new DataField<bool>("flag"), new DataField<double>("x"),
            new DataField<long>("n") };
        await ParquetFrames.WriteAsync(path, new ParquetSchema(fields), async writer =>
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<int>(fields[0], Enumerable.Repeat(2016, n).ToArray());
            await group.WriteAsync<bool>(fields[1], Enumerable.Range(0, n).Select(i => i % 3 == 0).ToArray());
            await group.WriteAsync<double>(fields[2], Enumerable.Range(0, n).Select(i => i / 8.0).ToArray());
            await group.WriteAsync<long>(fields[3], Enumerable.Range(0, n).Select(i => (long)i).ToArray());
        });
        foreach (var stale in new[] { -1, 7, 0, 1 })
        {
            // Memory in the shared pool as other work leaves it.
            var held = Enumerable.Range(0, 64).Select(_ => ArrayPool<int>.Shared.Rent(n)).ToArray();
            foreach (var buffer in held) { Array.Fill(buffer, stale); ArrayPool<int>.Shared.Return(buffer); }
            var frame = await ParquetFrames.ReadAsync(path);
            Assert.All(frame.Columns, c => Assert.Equal(0, c.NullCount));
            Assert.Equal(2016, frame.Columns["year"][n - 1]);
            Assert.Equal(true, frame.Columns["flag"][n - 1 - (n - 1) % 3]);
            Assert.Equal((n - 1) / 8.0, frame.Columns["x"][n - 1]);
            Assert.Equal((long)(n - 1), frame.Columns["n"][n - 1]);
        }
    }
}
