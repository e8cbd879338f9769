using System.Globalization;
using System.Reflection;

namespace PopHealth.Ingest.Codebook;

/// <summary>One value line of CDC's codebook: a code (or a range such as <c>1-30</c>, or <c>BLANK</c>), its label and counts.</summary>
public sealed record CodebookEntry(string Variable, string Code, string Label, long Frequency, double? WeightedPercentage)
{
    /// <summary>The code range this line covers (a single code has Low == High); null for BLANK.</summary>
    public (double Low, double High)? Range => Code == "BLANK" ? null
        : Code.Split('-') is [var low, var high] ? (Parse(low), Parse(high)) : (Parse(Code), Parse(Code));

    public bool Covers(double value) => Range is { } r && value >= r.Low && value <= r.High;

    private static double Parse(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
}

/// <summary>
/// Facts from CDC's 2024 BRFSS codebook for the variables the workbook uses (codes, labels, record counts,
/// weighted percentages), shipped inside the library; see Codebook/SOURCES.md.
/// </summary>
public sealed class BrfssCodebook
{
    private readonly Dictionary<string, List<CodebookEntry>> byVariable;

    private BrfssCodebook(IEnumerable<CodebookEntry> entries) =>
        byVariable = entries.GroupBy(e => e.Variable, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);

    /// <summary>The 2024 codebook (457,670 records).</summary>
    public static BrfssCodebook Year2024 { get; } = Load();

    public IReadOnlyList<string> Variables => byVariable.Keys.ToArray();

    public IReadOnlyList<CodebookEntry> Entries(string variable) =>
        byVariable.TryGetValue(variable, out var entries) ? entries : throw new KeyNotFoundException($"The codebook has no variable '{variable}'.");

    public bool Has(string variable) => byVariable.ContainsKey(variable);

    /// <summary>The label of <paramref name="code"/> (null = blank), or the code itself when the codebook has no label for it.</summary>
    public string Label(string variable, double? code)
    {
        if (!byVariable.TryGetValue(variable, out var entries)) return code?.ToString(CultureInfo.InvariantCulture) ?? "blank";
        var entry = code is { } c ? entries.FirstOrDefault(e => e.Covers(c)) : entries.FirstOrDefault(e => e.Code == "BLANK");
        var text = code?.ToString(CultureInfo.InvariantCulture) ?? "blank";
        return entry is null || entry.Label.Length == 0 ? text : entry.Range is { } r && r.Low != r.High ? $"{text} ({entry.Label})"
            : $"{text} {entry.Label}";
    }

    private static BrfssCodebook Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("PopHealth.Ingest.Codebook.brfss2024_codebook.csv")
            ?? throw new InvalidOperationException("Embedded resource brfss2024_codebook.csv is missing from the library.");
        using var reader = new StreamReader(stream);
        reader.ReadLine();
        var entries = new List<CodebookEntry>();
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            var cells = SplitCsv(line);
            entries.Add(new(cells[0], cells[1], cells[2], long.Parse(cells[3], CultureInfo.InvariantCulture),
                cells[4].Length == 0 ? null : double.Parse(cells[4], CultureInfo.InvariantCulture)));
        }
        return new BrfssCodebook(entries);
    }

    private static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells;
    }
}
