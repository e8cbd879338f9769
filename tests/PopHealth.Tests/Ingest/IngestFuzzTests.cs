using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

using PopHealth.Workbook;

namespace PopHealth.Tests.Ingest;

/// <summary>
/// The ingest fuzz suite: a few thousand seeded mutants of our XPT, CSV, gzip and zip fixtures, each ending in a
/// clean read or our format error, within a memory bound set by the file's size. <c>fuzz/fuzz-long.sh</c>
/// runs the same test with more cases (POPHEALTH_FUZZ_CASES, POPHEALTH_FUZZ_SEED) and a report file (POPHEALTH_FUZZ_REPORT).
/// </summary>
[Trait("Category", "Unit")]
public class IngestFuzzTests(ITestOutputHelper output)
{
    private const int DefaultCases = 4_000;
    private const int DefaultSeed = 20240601;

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value
            : fallback;

    [Fact]
    public void Every_mutant_ends_in_a_clean_read_or_our_format_error_within_bounded_memory()
    {
        var cases = Setting(WorkbookVariables.FuzzCases, DefaultCases);
        var seed = Setting(WorkbookVariables.FuzzSeed, DefaultSeed);
        using var temp = Repo.Temp();
        var report = IngestFuzzer.Run(seed, cases, temp.Path);

        using var self = Process.GetCurrentProcess();
        var lines = new List<string>
        {
            $"ingest fuzz: {report.Cases:N0} cases, seed {seed}, {report.Elapsed.TotalSeconds:F1} s " +
            $"({report.Cases / report.Elapsed.TotalSeconds:N0} cases/s)",
            $"most allocated by one case: {report.MaxAllocated / (1 << 20):N1} MiB ({report.MaxAllocatedCase})",
            $"peak working set of the test process: {self.PeakWorkingSet64 / (1 << 20):N0} MiB",
            "outcome classes:",
        };
        lines.AddRange(report.Classes.OrderByDescending(c => c.Value).Select(c => $"  {c.Value,7:N0}  {c.Key}"));
        foreach (var line in lines.Concat(report.Failures.Take(20).Select(f => "FAILED " + f))) output.WriteLine(line);
        if (Environment.GetEnvironmentVariable(WorkbookVariables.FuzzReport) is { Length: > 0 } file)
            File.WriteAllLines(file, lines.Concat(report.Failures.Select(f => "FAILED " + f)));

        Assert.True(report.Failures.Count == 0,
            $"{report.Failures.Count} of {report.Cases} cases failed; first: {(report.Failures.Count > 0 ? report.Failures[0] : null)}");
        // Both ends must be reached, or the mutations are too timid (or too wild) to test anything.
        Assert.True(report.Classes.Where(c => c.Key.StartsWith("clean read", StringComparison.Ordinal)).Sum(c => c.Value) > cases / 20,
            "too few clean reads");
        Assert.True(report.Classes.Where(c => c.Key.StartsWith("format error", StringComparison.Ordinal)).Sum(c => c.Value) > cases / 4,
            "too few format errors");
    }
}
