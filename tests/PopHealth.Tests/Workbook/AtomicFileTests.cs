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
}
