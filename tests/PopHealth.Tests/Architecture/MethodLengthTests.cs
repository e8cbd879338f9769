using Mono.Cecil;
using PopHealth.Workbook;

namespace PopHealth.Tests.Architecture;

/// <summary>No method in the library is much over 60 lines: a step is a short orchestration of named stages.</summary>
[Trait("Category", "Unit")]
public sealed class MethodLengthTests
{
    /// <summary>Lines from a method's first statement to its last (the debug symbols' sequence points; lambdas count apart).</summary>
    private const int MaxLines = 62;

    private static List<(string Method, int Lines)> Lengths()
    {
        var path = typeof(WorkbookParameters).Assembly.Location;
        using var module = ModuleDefinition.ReadModule(path, new ReaderParameters { ReadSymbols = true });
        var lengths = new List<(string, int)>();
        // Static constructors are field initialisers (data tables spread over a file), not methods anyone reads as one.
        foreach (var type in module.GetTypes().Where(t => t.FullName.StartsWith("PopHealth.", StringComparison.Ordinal)))
            foreach (var method in type.Methods.Where(m => m.HasBody && !m.IsConstructor))
            {
                var lines = method.DebugInformation.SequencePoints.Where(p => !p.IsHidden).Select(p => p.StartLine).ToArray();
                if (lines.Length == 0) continue;
                lengths.Add(($"{type.FullName}::{method.Name}", lines.Max() - lines.Min() + 1));
            }
        return lengths;
    }

    [Fact]
    public void No_method_is_much_over_sixty_lines()
    {
        var lengths = Lengths();
        Assert.True(lengths.Count > 100, $"only {lengths.Count} methods with debug symbols: the check would see nothing");
        var long_ = lengths.Where(l => l.Lines > MaxLines).OrderByDescending(l => l.Lines).Select(l => $"{l.Method}: {l.Lines} lines").ToArray();
        Assert.True(long_.Length == 0, $"Methods over {MaxLines} lines:\n" + string.Join("\n", long_));
    }
}
