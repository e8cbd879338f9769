using System.Globalization;
using PopHealth.Runner;
using Xunit.Abstractions;

namespace PopHealth.Tests.Runner;

/// <summary>
/// The runner argument fuzz: seeded command lines drawn from a grammar of valid and invalid pieces (names, options,
/// numbers such as Infinity, NaN, -1, 1e309, empty strings, paths, missing values, repeats), read and checked against a
/// stand-in repository exactly as the runner does before starting anything (<see cref="RunnerArguments.Parse"/>, then
/// <see cref="RunPlan.Check"/>; no kernel, no browser). Each outcome must be the one a model of the rules predicts: help,
/// a plan with the expected notebooks, folder and timeout, or a usage error naming the first piece at fault. Any other
/// exception fails the case.
/// </summary>
[Trait("Category", "Unit")]
public class RunnerArgumentFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 500;
    private const int Seed = 20241124;

    /// <summary>One piece of a command line and what the rules say about it.</summary>
    /// <param name="Option">The option it sets (for "given twice"), or null.</param>
    /// <param name="Fault">The text a usage error about this piece must contain, when the piece is bad by itself.</param>
    /// <param name="Notebook">A notebook name (".dib" dropped), for a well-formed name.</param>
    /// <param name="Folder">The --notebooks value, when well-formed.</param>
    /// <param name="Minutes">The --timeout value, when valid.</param>
    private sealed record Piece(string[] Tokens, string? Option = null, string? Fault = null, string? Notebook = null, string? Folder = null,
        double? Minutes = null);

    private static readonly string[] Existing = ["01-convert", "06-infer.dib", "extra", "extra.dib", "03-transform"];
    private static readonly string[] Unknown = ["07-nothing", " 01-convert", "01-convert ", "ünïcode", new string('x', 200), "01-convert.ipynb",
        "a b", "only"];
    private static readonly string[] Malformed = ["", "   ", "a/b", "..", ".", "../01-convert", "x\\y", "_setup", "_setup.dib", "x\0y", ".dib"];
    private static readonly string[] UnknownOptions = ["-", "-x", "--", "---", "--Timeout", "--timeout5", "--help=1", "--=5", "-h=1", "--notebook",
        "--refresh"];
    private static readonly string[] GoodMinutes = ["1", "30", "0.5", "1440", "1e2", "2.5", " 45 ", "+3", "0.0001", "1E-300", "1440.0"];
    private static readonly string[] BadMinutes = ["Infinity", "-Infinity", "∞", "NaN", "-1", "0", "-0", "1e309", "1440.0001", "100000", "1e10",
        "99999999999999999999999", "", " ", "abc", "1,5", "0x10", "1_000", "5min", "-", "- 1"];
    private static readonly string[] GoodFolders = ["notebooks", "notebooks/", "./notebooks", "other"];
    private static readonly string[] MissingFolders = ["missing", "a-file.txt", "notebooks/01-convert.dib", "nowhere/notebooks"];

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    private static Piece NamePiece(Random random, bool valid)
    {
        if (valid || random.Next(3) == 0)
        {
            var token = valid ? Pick(random, Existing) : Pick(random, Unknown);
            return new Piece([token], Notebook: token.EndsWith(".dib", StringComparison.OrdinalIgnoreCase) ? token[..^4] : token);
        }
        if (random.Next(2) == 0)
        {
            var malformed = Pick(random, Malformed);
            return new Piece([malformed], Fault: $"'{malformed}' is not a notebook name");
        }
        var option = Pick(random, UnknownOptions);
        return new Piece([option], Fault: $"Unknown option '{option}'");
    }

    private static Piece TimeoutPiece(Random random, bool valid)
    {
        var value = valid ? Pick(random, GoodMinutes) : Pick(random, BadMinutes);
        string[] tokens = random.Next(2) == 0 ? ["--timeout", value] : [$"--timeout={value}"];
        return valid
            ? new Piece(tokens, "--timeout", Minutes: double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture))
            : new Piece(tokens, "--timeout", Fault: $"--timeout '{value}' is not valid");
    }

    private static Piece FolderPiece(Random random, bool valid)
    {
        var value = valid ? Pick(random, GoodFolders) : random.Next(3) == 0 ? Pick(random, new[] { "", "  " }) : Pick(random, MissingFolders);
        string[] tokens = random.Next(2) == 0 ? ["--notebooks", value] : [$"--notebooks={value}"];
        return value.Trim().Length == 0
            ? new Piece(tokens, "--notebooks", Fault: $"--notebooks '{value}' is empty")
            : new Piece(tokens, "--notebooks", Folder: value); // a missing folder is found by the check, after every argument was read
    }

    private static Piece RandomPiece(Random random, bool valid) => random.Next(100) switch
    {
        < 45 => NamePiece(random, valid),
        < 63 => TimeoutPiece(random, valid),
        < 81 => FolderPiece(random, valid),
        < 89 => valid || random.Next(2) == 0 ? new Piece(["--refresh-rendered"], "--refresh-rendered")
            : new Piece(["--refresh-rendered=1"], "--refresh-rendered", Fault: "'--refresh-rendered=1': --refresh-rendered takes no value"),
        < 97 => NamePiece(random, valid),
        _ => new Piece([Pick(random, new[] { "-h", "--help" })]),
    };

    private static List<Piece> Draw(Random random)
    {
        var valid = random.Next(100) < 45;
        var pieces = Enumerable.Range(0, random.Next(0, 6)).Select(_ => RandomPiece(random, valid)).ToList();
        if (random.Next(100) < 8) // an option with its value missing: last, or followed by another option
        {
            var option = Pick(random, new[] { "--timeout", "--notebooks" });
            pieces.Add(new Piece([option], option, Fault: $"{option} needs a value"));
            if (random.Next(2) == 0) pieces.Add(TimeoutPiece(random, valid: true));
        }
        return pieces;
    }

    /// <summary>What the rules predict: "help", "plan", or the text the usage error must contain.</summary>
    private static (string Kind, string? Fault) Predict(List<Piece> pieces, string root)
    {
        if (pieces.SelectMany(p => p.Tokens).Any(t => t is "-h" or "--help")) return ("help", null);
        var given = new HashSet<string>();
        foreach (var piece in pieces)
        {
            if (piece.Option is { } option && !given.Add(option)) return ("error", option);
            if (piece.Fault is { } fault) return ("error", fault);
        }
        var names = pieces.Where(p => p.Notebook is not null).Select(p => p.Notebook!).ToList();
        if (given.Contains("--refresh-rendered") && names.Count > 0) return ("error", "--refresh-rendered runs all seven notebooks");
        var folder = pieces.LastOrDefault(p => p.Folder is not null)?.Folder;
        if (folder is not null && !Directory.Exists(Path.Combine(root, folder))) return ("error", $"--notebooks '{folder}'");
        var available = folder == "other" ? ["only"]
            : new[] { "01-convert", "02-explore", "03-transform", "04-train", "05-synthesize", "06-infer", "extra" };
        if (names.FirstOrDefault(n => !available.Contains(n)) is { } missing) return ("error", $"'{missing}'");
        if (names.Count == 0 && folder == "other") return ("error", "--notebooks names");
        return ("plan", null);
    }

    [Fact]
    public void Every_command_line_is_a_plan_help_or_a_usage_error_naming_the_argument_at_fault()
    {
        using var repository = new RunnerArgumentsTests.FakeRepository();
        Directory.CreateDirectory(repository.File("other"));
        File.WriteAllText(repository.File("other/only.dib"), "");
        var random = new Random(Seed);
        var outcomes = new Dictionary<string, int>();
        var failures = new List<string>();
        for (var i = 0; i < Cases; i++)
        {
            var pieces = Draw(random);
            var args = pieces.SelectMany(p => p.Tokens).ToArray();
            var (kind, fault) = Predict(pieces, repository.Root);
            var problem = Run(repository, pieces, args, kind, fault);
            outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
            if (problem is not null) failures.Add($"case {i} [{string.Join(" ", args.Select(a => $"'{a}'"))}]: {problem}");
        }
        output.WriteLine($"runner argument fuzz: {Cases} cases, seed {Seed}: " +
            string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Value} {o.Key}")));
        failures.Take(20).ToList().ForEach(output.WriteLine);
        Assert.True(failures.Count == 0, $"{failures.Count} of {Cases} cases failed; first: {failures.FirstOrDefault()}");
        Assert.True(outcomes.GetValueOrDefault("plan") > Cases / 6, "too few valid command lines to test the plans");
        Assert.True(outcomes.GetValueOrDefault("error") > Cases / 3, "too few invalid command lines");
    }

    /// <summary>Null when the outcome is the predicted one; otherwise what went wrong.</summary>
    private static string? Run(RunnerArgumentsTests.FakeRepository repository, List<Piece> pieces, string[] args, string kind, string? fault)
    {
        try
        {
            var parsed = RunnerArguments.Parse(args);
            if (parsed.Help) return kind == "help" ? null : $"help, expected {kind} {fault}";
            // no POPHEALTH_*: the default data root, and --refresh-rendered allowed
            var plan = repository.Check(args, new System.Collections.Hashtable());
            return kind == "plan" ? PlanProblem(plan, pieces, repository.Root) : $"a plan, expected {kind} {fault}";
        }
        catch (RunnerUsageException e)
        {
            if (kind != "error") return $"usage error '{e.Message}', expected {kind}";
            return e.Message.Contains(fault!, StringComparison.Ordinal) ? null : $"usage error '{e.Message}' does not contain '{fault}'";
        }
        catch (Exception e)
        {
            return $"unexpected {e.GetType().Name}: {e.Message}";
        }
    }

    private static string? PlanProblem(RunPlan plan, List<Piece> pieces, string root)
    {
        var names = pieces.Where(p => p.Notebook is not null).Select(p => p.Notebook!).ToArray();
        if (!plan.Notebooks.SequenceEqual(names.Length > 0 ? names : RunnerOptions.Workbook)) return $"notebooks {string.Join(",", plan.Notebooks)}";
        var folder = Path.GetFullPath(pieces.LastOrDefault(p => p.Folder is not null)?.Folder ?? "notebooks", root);
        if (Path.TrimEndingDirectorySeparator(plan.Options.NotebookDirectory) != Path.TrimEndingDirectorySeparator(folder))
            return $"folder {plan.Options.NotebookDirectory}";
        var minutes = pieces.LastOrDefault(p => p.Minutes is not null)?.Minutes ?? 30;
        if (Math.Abs(plan.Options.NotebookTimeout.TotalMilliseconds - Math.Max(1, minutes * 60_000)) > 1)
            return $"timeout {plan.Options.NotebookTimeout}";
        return plan.RefreshRendered == pieces.Any(p => p.Tokens is ["--refresh-rendered"]) ? null : "refresh flag";
    }
}
