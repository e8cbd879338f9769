using System.Collections;
using PopHealth.Workbook;

namespace PopHealth.Runner;

/// <summary>
/// A run the runner can start: the command line (<see cref="RunnerArguments"/>) checked against the folders and the
/// environment. Everything that can be checked without starting a kernel is checked here, before the headless browser
/// or any kernel starts: the notebooks folder and names, the POPHEALTH_* parameters, the library feed, and that every
/// output folder can be written. A problem is a <see cref="RunnerUsageException"/> or a
/// <see cref="WorkbookParameterException"/> naming the argument or variable (exit 2).
/// </summary>
/// <param name="Options">How to run the notebooks; <see cref="RunnerOptions.Environment"/> lacks the browser's address, added when it starts.</param>
/// <param name="Notebooks">The notebooks to run, in order.</param>
public sealed record RunPlan(RunnerOptions Options, IReadOnlyList<string> Notebooks, WorkbookParameters Parameters, bool RefreshRendered)
{
    /// <summary>
    /// Checks <paramref name="arguments"/> against the file system and <paramref name="environment"/>; creates the
    /// output folders it probes.
    /// </summary>
    public static RunPlan Check(RunnerArguments arguments, IDictionary environment, string workingDirectory, string repositoryRoot)
    {
        var folder = NotebookFolder(arguments.NotebookDirectory, workingDirectory, repositoryRoot);
        var notebooks = arguments.Notebooks.Count > 0 ? arguments.Notebooks : RunnerOptions.Workbook;
        NotebookRunner.CheckNotebooks(folder, notebooks, arguments.Notebooks.Count > 0 ? null : RunnerArguments.NotebooksOption);
        if (arguments.RefreshRendered)
        {
            var set = WorkbookVariables.ParameterNames.Where(v => WorkbookVariables.Read(v, environment) is not null).ToArray();
            if (set.Length > 0)
                throw new RunnerUsageException(RunnerArguments.RefreshOption,
                    $"{RunnerArguments.RefreshOption} keeps a default run: unset {string.Join(", ", set)}.");
        }
        var parameters = WorkbookParameters.FromEnvironment(environment, workingDirectory);
        NotebookRunner.CheckLibraryFeed(repositoryRoot);
        foreach (var output in new[] { parameters.DataRoot, parameters.RenderedNotebooks, parameters.PlotsDirectory }.Distinct())
            WritableFolder.Check(output, WorkbookVariables.Data);
        if (arguments.RefreshRendered)
            foreach (var kept in new[] { Path.Combine(folder, RenderedNotebooks.Folder), Path.Combine(repositoryRoot, "plots") })
                if (WritableFolder.Problem(kept) is { } problem)
                    throw new RunnerUsageException(RunnerArguments.RefreshOption,
                        $"{RunnerArguments.RefreshOption} writes to {kept}, which cannot be written: {problem}");

        // Relative paths were resolved against the caller's folder; the kernels run in the notebooks' folder.
        // The runner asks for static chart images: executed copies then show charts where scripts are stripped.
        var kernel = new Dictionary<string, string> { [WorkbookVariables.Data] = parameters.DataRoot, [WorkbookVariables.StaticImages] = "1" };
        if (parameters.Inputs.Count > 0) kernel[WorkbookVariables.Input] = string.Join(Path.PathSeparator, parameters.Inputs);
        if (parameters.ScoreInputOverride is not null) kernel[WorkbookVariables.ScoreInput] = parameters.ScoreInputOverride;
        var options = new RunnerOptions(repositoryRoot, folder, parameters.RenderedNotebooks, kernel, arguments.Timeout);
        return new RunPlan(options, notebooks, parameters, arguments.RefreshRendered);
    }

    /// <summary>The run with the kernels pointed at the shared headless browser's DevTools address.</summary>
    public RunPlan WithBrowser(string? address) => address is null ? this
        : this with
        {
            Options = Options with { Environment = new Dictionary<string, string>(Options.Environment) { [WorkbookVariables.Chromium] = address } }
        };

    private static string NotebookFolder(string? given, string workingDirectory, string repositoryRoot)
    {
        if (given is null) return Path.Combine(repositoryRoot, "notebooks");
        string full;
        try
        {
            full = Path.GetFullPath(given, workingDirectory);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new RunnerUsageException(RunnerArguments.NotebooksOption,
                $"{RunnerArguments.NotebooksOption} '{given}' is not a usable path: {e.Message}");
        }
        if (Directory.Exists(full)) return full;
        throw new RunnerUsageException(RunnerArguments.NotebooksOption, File.Exists(full)
            ? $"{RunnerArguments.NotebooksOption} '{given}' names a file; give the folder holding the notebooks (.dib files)."
            : $"{RunnerArguments.NotebooksOption} '{given}': no such folder ({full}).");
    }
}
