using System.Diagnostics;
using PopHealth.Runner;

namespace PopHealth.Tests.Notebooks;

/// <summary>
/// The Jupyter path (README, "Jupyter"): a kept copy in notebooks/rendered/ runs as it is through a real Jupyter client
/// (nbclient) on the .NET kernel of the pinned local tool Microsoft.dotnet-interactive, from its own folder.
/// </summary>
[Trait("Category", "Notebook")]
public class JupyterTests
{
    [FactWhere(Need.Jupyter)]
    public async Task A_rendered_notebook_runs_in_jupyter_on_the_dotnet_kernel_without_a_cell_error()
    {
        using var temp = Repo.Temp();
        var kernels = Path.Combine(temp.Path, "jupyter", "kernels");
        Directory.CreateDirectory(kernels);
        await Run("dotnet", ["tool", "restore"], Repo.Root, []);
        await Run("dotnet", ["dotnet-interactive", "jupyter", "install", "--path", kernels], Repo.Root, []);
        Assert.True(File.Exists(Path.Combine(kernels, ".net-csharp", "kernel.json")), "the .NET (C#) kernel spec was not installed");

        var notebook = Repo.Path("notebooks", RenderedNotebooks.Folder, "01-convert.ipynb");
        var executed = temp.File("01-convert.executed.ipynb");
        var data = temp.File("data");
        var output = await Run(Needs.JupyterPython, [Repo.Path("tests", "jupyter", "execute_notebook.py"), notebook, executed, "600"], Repo.Root,
            new() { ["JUPYTER_PATH"] = Path.Combine(temp.Path, "jupyter"), ["POPHEALTH_DATA"] = data, ["POPHEALTH_SAMPLE_ROWS"] = "2000",
                    ["POPHEALTH_INPUT"] = "", ["POPHEALTH_YEAR"] = "", ["POPHEALTH_SEED"] = "", ["POPHEALTH_RECIPE"] = "" });

        Assert.Contains("errors 0", output);
        Assert.True(File.Exists(Path.Combine(data, "interim", "brfss.parquet")), "01-convert in Jupyter wrote no interim table");
        var outputs = string.Join("\n", NotebookSession.OutputsByCell(executed));
        Assert.Contains("2,000", outputs); // the sample size it was given, shown by the notebook
    }

    private static async Task<string> Run(string file, string[] arguments, string folder, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file, arguments) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(15));
        var text = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{text}");
        return text;
    }
}
