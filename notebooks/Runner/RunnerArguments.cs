using System.Globalization;

namespace PopHealth.Runner;

/// <summary>A command-line argument the runner cannot use; <see cref="Argument"/> is the one at fault (exit 2).</summary>
public sealed class RunnerUsageException(string argument, string message) : ArgumentException(message)
{
    public string Argument { get; } = argument;
}

/// <summary>What the runner needs to start is missing or broken (the library not built, its tools not restorable): exit 2.</summary>
public sealed class RunnerSetupException(string message) : InvalidOperationException(message);

/// <summary>
/// The runner's command line, read without touching the file system or starting anything (<see cref="RunPlan"/> then
/// checks it against the folders and the environment). Every value is checked here: a bad one is a
/// <see cref="RunnerUsageException"/> naming it, never another exception.
/// </summary>
/// <param name="Notebooks">Notebook names in the order given (".dib" dropped); empty means the whole workbook.</param>
/// <param name="NotebookDirectory">The <c>--notebooks</c> folder as given (not yet resolved), or null for <c>notebooks/</c>.</param>
public sealed record RunnerArguments(IReadOnlyList<string> Notebooks, string? NotebookDirectory, TimeSpan Timeout, bool RefreshRendered, bool Help)
{
    public const string NotebooksOption = "--notebooks";
    public const string TimeoutOption = "--timeout";
    public const string RefreshOption = "--refresh-rendered";
    public const double DefaultTimeoutMinutes = 30;
    /// <summary>A day: the longest notebook (04 on the national extracts) takes under 15 minutes.</summary>
    public const double MaxTimeoutMinutes = 1440;

    public static readonly string Usage = string.Join(Environment.NewLine,
        "Usage: dotnet run --project notebooks/Runner [-- [NOTEBOOK ...] [--notebooks DIR] [--timeout MINUTES] [--refresh-rendered]]",
        "Runs the workbook's notebooks headless: all seven in order, or the ones named (e.g. 01-convert 03-transform), in the order given.",
        $"  {NotebooksOption} DIR       folder of the .dib files (default: notebooks/)",
        $"  {TimeoutOption} MINUTES     per notebook, more than 0 and at most {MaxTimeoutMinutes:0} (default {DefaultTimeoutMinutes:0}); " +
        $"a notebook past it is stopped",
        $"  {RefreshOption}    a default run of all seven kept in notebooks/rendered/, real-2016 chart images in plots/",
        "  -h, --help             this text",
        "Parameters come from POPHEALTH_* variables (see the README). Exit codes: 0 all ran; 1 a notebook failed or timed out;",
        "2 bad arguments, parameters or setup (nothing was started); 3 the runner itself failed; 128+N stopped by signal N.");

    /// <summary>
    /// Reads <paramref name="args"/> left to right; throws <see cref="RunnerUsageException"/> naming the first argument at
    /// fault (then, with every argument readable, <see cref="RefreshOption"/> given with names).
    /// </summary>
    public static RunnerArguments Parse(IReadOnlyList<string> args)
    {
        if (args.Any(a => a is "-h" or "--help")) return new([], null, TimeSpan.FromMinutes(DefaultTimeoutMinutes), false, Help: true);
        var names = new List<string>();
        var given = new Dictionary<string, string>();
        string? folder = null;
        var timeout = TimeSpan.FromMinutes(DefaultTimeoutMinutes);
        for (var i = 0; i < args.Count; i++)
        {
            var (option, inline) = SplitOption(args[i]);
            if (option is null)
            {
                names.Add(NotebookName(args[i]));
                continue;
            }
            if (option is not (NotebooksOption or TimeoutOption or RefreshOption))
                throw new RunnerUsageException(args[i],
                    $"Unknown option '{args[i]}' (options: {NotebooksOption} DIR, {TimeoutOption} MINUTES, {RefreshOption}, --help).");
            if (option == RefreshOption && inline is not null)
                throw new RunnerUsageException(args[i], $"'{args[i]}': {RefreshOption} takes no value.");
            var value = option == RefreshOption ? "" : inline
                ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null)
                ?? throw new RunnerUsageException(option, $"{option} needs a value: {Expected(option)}.");
            if (!given.TryAdd(option, value))
                throw new RunnerUsageException(option,
                    $"{option} is given twice{(option == RefreshOption ? "" : $" ('{given[option]}' and '{value}')")}; give it once.");
            if (option == TimeoutOption) timeout = Minutes(value);
            else if (option == NotebooksOption) folder = value.Trim().Length > 0 ? value
                : throw new RunnerUsageException(option, $"{option} '{value}' is empty: {Expected(option)}.");
        }
        if (given.ContainsKey(RefreshOption) && names.Count > 0)
            throw new RunnerUsageException(RefreshOption,
                $"{RefreshOption} runs all seven notebooks; do not name notebooks ('{string.Join("', '", names)}').");
        return new RunnerArguments(names, folder, timeout, given.ContainsKey(RefreshOption), Help: false);
    }

    /// <summary>
    /// An option and its <c>=value</c>, or (null, null) for a notebook name. One dash starts an option too: "-t" is an
    /// unknown one.
    /// </summary>
    private static (string? Option, string? Inline) SplitOption(string arg)
    {
        if (!arg.StartsWith('-')) return (null, null);
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 2 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    private static string Expected(string option) => option == TimeoutOption
        ? $"a number of minutes, more than 0 and at most {MaxTimeoutMinutes:0} (a day), such as 45 or 2.5"
        : "the folder holding the notebooks (.dib files)";

    /// <summary>Finite, positive, at most a day; written as a plain number (no thousands separators, no "Infinity").</summary>
    private static TimeSpan Minutes(string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes)
            || !double.IsFinite(minutes) || minutes <= 0 || minutes > MaxTimeoutMinutes)
            throw new RunnerUsageException(TimeoutOption, $"{TimeoutOption} '{text}' is not valid: expected {Expected(TimeoutOption)}.");
        // Below a millisecond the timer would fire at once; the smallest timeout is one millisecond.
        return TimeSpan.FromMilliseconds(Math.Max(1, Math.Round(minutes * 60_000)));
    }

    /// <summary>A notebook's name as given, without ".dib": a plain file name, not a path or a shared part.</summary>
    private static string NotebookName(string arg)
    {
        var name = arg.EndsWith(".dib", StringComparison.OrdinalIgnoreCase) ? arg[..^4] : arg;
        var problem = name.Trim().Length == 0 ? "it is empty"
            : name.IndexOfAny(['/', '\\']) >= 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or ".."
            ? "a name, not a path, is expected (a folder goes in --notebooks DIR)"
            : name.StartsWith('_') ? "names starting with '_' are parts the notebooks import, not notebooks to run"
            : null;
        return problem is null ? name
            : throw new RunnerUsageException(arg, $"'{arg}' is not a notebook name: {problem}. Give names such as 01-convert.");
    }
}
