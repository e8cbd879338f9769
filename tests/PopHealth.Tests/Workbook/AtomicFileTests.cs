using PopHealth.Workbook;

namespace PopHealth.Tests.Workbook;

[Trait("Category", "Unit")]
public class AtomicFileTests
{
    [Fact]
    public void Writes_the_file_and_leaves_no_temporary_behind()
    {
        using var temp = Repo.Temp();
        var target = temp.File("sub/out.txt");
        AtomicFile.WriteAllText(target, "hello");
        Assert.Equal("hello", File.ReadAllText(target));
        Assert.Equal(["out.txt"], Directory.GetFiles(Path.GetDirectoryName(target)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_failed_write_keeps_the_previous_file_and_removes_the_partial_one()
    {
        using var temp = Repo.Temp();
        var target = temp.File("out.txt");
        File.WriteAllText(target, "previous");
        Assert.Throws<IOException>(() => AtomicFile.Write(target, (Stream s) =>
        {
            s.Write("partial"u8);
            throw new IOException("disk gone");
        }));
        Assert.Equal("previous", File.ReadAllText(target));
        Assert.Single(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void A_writer_that_writes_nothing_is_an_error_not_an_empty_output()
    {
        using var temp = Repo.Temp();
        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(temp.File("none.bin"), (string _) => { }));
        Assert.Contains("none.bin", error.Message);
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void A_write_first_removes_what_a_killed_write_of_the_same_file_left_and_nothing_else()
    {
        using var temp = Repo.Temp();
        string Leftover(string target, int pid)
        {
            var path = temp.File($".{target}.{pid}.{Guid.NewGuid():N}.tmp");
            File.WriteAllText(path, "half a file");
            return path;
        }
        var gone = Leftover("out.csv", int.MaxValue - 1); // no process has this id
        var own = Leftover("out.csv", Environment.ProcessId); // this process's own write, perhaps under way
        var other = Leftover("other.csv", int.MaxValue - 1); // another file's: left for its own next write

        AtomicFile.WriteAllText(temp.File("out.csv"), "whole");

        Assert.False(File.Exists(gone));
        Assert.True(File.Exists(own));
        Assert.True(File.Exists(other));
        Assert.Equal("whole", File.ReadAllText(temp.File("out.csv")));
    }
}
