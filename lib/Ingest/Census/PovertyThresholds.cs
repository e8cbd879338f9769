using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using MiniExcelLibs;
using Parquet.Schema;
using PopHealth.Workbook;

namespace PopHealth.Ingest.Census;

/// <summary>Whose age splits the Census table's one- and two-person rows.</summary>
public enum HouseholderAge { All, Under65, Age65Plus }

/// <summary>One cell of the Census Bureau's poverty-threshold table, in dollars.</summary>
/// <param name="FamilySize">1–9, where 9 means nine or more people.</param>
/// <param name="RelatedChildren">0–8, where 8 means eight or more related children under 18.</param>
/// <param name="Age">The householder-age row (one and two people only; All otherwise).</param>
/// <param name="Dollars">The threshold: annual income below it is below the poverty line.</param>
public sealed record PovertyThreshold(int FamilySize, int RelatedChildren, HouseholderAge Age, double Dollars);

/// <summary>A size row's weighted-average threshold (null where the source does not give it).</summary>
public sealed record WeightedAverageThreshold(int FamilySize, HouseholderAge Age, double Dollars);

/// <summary>
/// The Census Bureau's official poverty thresholds for one year, as a long table: family size 1–9+,
/// related children 0–8+, householder under 65 / 65+ for the one- and two-person rows. The project
/// ships 2023 and 2024 (<see cref="ForYear"/>); <see cref="ReadCensusWorkbook"/> reads the Bureau's own
/// <c>threshYY.xlsx</c> for any other year.
/// </summary>
public sealed class PovertyThresholdTable
{
    public const int MaxFamilySize = 9;
    public const int MaxRelatedChildren = 8;

    public PovertyThresholdTable(int year, IEnumerable<PovertyThreshold> thresholds, IEnumerable<WeightedAverageThreshold> weightedAverages,
        string source)
    {
        Year = year;
        Source = source;
        Thresholds = thresholds.OrderBy(t => t.FamilySize).ThenBy(t => t.Age).ThenBy(t => t.RelatedChildren).ToArray();
        WeightedAverages = weightedAverages.ToArray();
        foreach (var t in Thresholds)
        {
            if (t.FamilySize is < 1 or > MaxFamilySize || t.RelatedChildren < 0 || t.RelatedChildren > Math.Min(MaxRelatedChildren, t.FamilySize - 1)
                || !(t.Dollars > 0))
                throw new InvalidDataException($"{source}: threshold cell out of range: {t}.");
        }
        var duplicate = Thresholds.GroupBy(t => (t.FamilySize, t.RelatedChildren, t.Age)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"{source}: two thresholds for {duplicate.Key}.");
        for (var size = 1; size <= MaxFamilySize; size++)
            for (var children = 0; children <= Math.Min(MaxRelatedChildren, size - 1); children++)
                if (size > 2 ? Find(size, children, HouseholderAge.All) is null
                             : Find(size, children, HouseholderAge.Under65) is null || Find(size, children, HouseholderAge.Age65Plus) is null)
                    throw new InvalidDataException($"{source}: no threshold for family size {size} with {children} related children.");
    }

    public int Year { get; }
    /// <summary>Where the numbers came from (a file name or the shipped table).</summary>
    public string Source { get; }
    public IReadOnlyList<PovertyThreshold> Thresholds { get; }
    public IReadOnlyList<WeightedAverageThreshold> WeightedAverages { get; }

    /// <summary>The years whose tables ship with the workbook.</summary>
    public static IReadOnlyList<int> ShippedYears { get; } = [2023, 2024];

    /// <summary>The shipped table for <paramref name="year"/> (numbers from the Census Bureau; see Census/SOURCES.md).</summary>
    public static PovertyThresholdTable ForYear(int year)
    {
        if (!ShippedYears.Contains(year))
            throw new ArgumentOutOfRangeException(nameof(year), year,
                $"No shipped poverty thresholds for {year} (shipped: {string.Join(", ", ShippedYears)}); " +
                $"read the Census Bureau's thresh{year % 100:00}.xlsx with ReadCensusWorkbook.");
        var name = $"poverty_thresholds_{year}.csv";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("PopHealth.Ingest.Census." + name)
            ?? throw new InvalidOperationException($"Embedded resource {name} is missing from the library.");
        using var reader = new StreamReader(stream);
        return ReadWideCsv(reader, year, $"shipped {name}");
    }

    // CPI-U, US city average, all items, annual averages (BLS series CUUR0000SA0). The Census Bureau
    // updates the thresholds each year by exactly this index, which is how years not shipped are derived.
    private static readonly Dictionary<int, double> CpiU = new()
    {
        [2010] = 218.056, [2011] = 224.939, [2012] = 229.594, [2013] = 232.957, [2014] = 236.736, [2015] = 237.017,
        [2016] = 240.007, [2017] = 245.120, [2018] = 251.107, [2019] = 255.657, [2020] = 258.811, [2021] = 270.970,
        [2022] = 292.655, [2023] = 304.702, [2024] = 313.689,
    };

    /// <summary>
    /// The thresholds for survey year <paramref name="year"/>: the shipped table when there is one, else the
    /// 2024 table scaled by the CPI-U ratio (as the Bureau itself updates them; within rounding of the
    /// published cells). Years without a CPI-U figure here are refused.
    /// </summary>
    public static PovertyThresholdTable ForSurveyYear(int year)
    {
        if (ShippedYears.Contains(year)) return ForYear(year);
        if (!CpiU.TryGetValue(year, out var cpi))
            throw new ArgumentOutOfRangeException(nameof(year), year,
                $"No poverty thresholds for {year}: shipped {string.Join(", ", ShippedYears)}, " +
                $"CPI-U scaling for {CpiU.Keys.Min()}–{CpiU.Keys.Max()}; " +
                $"read the Census Bureau's thresh{year % 100:00}.xlsx with ReadCensusWorkbook.");
        var basis = ForYear(2024);
        var factor = cpi / CpiU[2024];
        return new PovertyThresholdTable(year,
            basis.Thresholds.Select(t => t with { Dollars = Math.Round(t.Dollars * factor) }),
            basis.WeightedAverages.Select(w => w with { Dollars = Math.Round(w.Dollars * factor) }),
            $"{basis.Source} scaled by CPI-U {year}/2024 = {factor:F4}");
    }

    /// <summary>
    /// The threshold for a family of <paramref name="familySize"/> people with <paramref name="relatedChildren"/>
    /// related children; sizes and children are capped as the table is (9+, 8+), children at size − 1.
    /// For one and two people the householder's age picks the row; unknown age takes the mean of both rows.
    /// </summary>
    public double Lookup(int familySize, int relatedChildren, bool? householder65Plus)
    {
        if (familySize < 1) throw new ArgumentOutOfRangeException(nameof(familySize), familySize, "A family has at least one person.");
        if (relatedChildren < 0) throw new ArgumentOutOfRangeException(nameof(relatedChildren), relatedChildren, "Children cannot be negative.");
        var size = Math.Min(familySize, MaxFamilySize);
        var children = Math.Min(Math.Min(relatedChildren, MaxRelatedChildren), size - 1);
        if (size > 2) return Find(size, children, HouseholderAge.All)!.Dollars;
        return householder65Plus switch
        {
            true => Find(size, children, HouseholderAge.Age65Plus)!.Dollars,
            false => Find(size, children, HouseholderAge.Under65)!.Dollars,
            null => (Find(size, children, HouseholderAge.Age65Plus)!.Dollars + Find(size, children, HouseholderAge.Under65)!.Dollars) / 2,
        };
    }

    private PovertyThreshold? Find(int size, int children, HouseholderAge age) =>
        Thresholds.FirstOrDefault(t => t.FamilySize == size && t.RelatedChildren == children && t.Age == age);

    /// <summary>
    /// Reads the wide layout the project ships (family_size_label, householder_age, weighted_average, children_0 …
    /// children_8plus).
    /// </summary>
    public static PovertyThresholdTable ReadWideCsv(TextReader reader, int year, string source)
    {
        var header = reader.ReadLine()?.Split(',') ?? throw new InvalidDataException($"{source}: empty file.");
        int Column(string name) =>
            Array.IndexOf(header, name) is var i and >= 0 ? i : throw new InvalidDataException($"{source}: no column '{name}'.");
        var label = Column("family_size_label");
        var age = Column("householder_age");
        var weighted = Column("weighted_average");
        var childColumns = Enumerable.Range(0, 9).Select(k => Column(k < 8 ? $"children_{k}" : "children_8plus")).ToArray();
        var thresholds = new List<PovertyThreshold>();
        var averages = new List<WeightedAverageThreshold>();
        var line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0) continue;
            var cells = text.Split(',');
            if (cells.Length != header.Length)
                throw new InvalidDataException($"{source} line {line}: {cells.Length} cells, expected {header.Length}.");
            var size = FamilySizeOf(cells[label])
                ?? throw new InvalidDataException($"{source} line {line}: unknown family size label '{cells[label]}'.");
            var householder = cells[age] switch
            {
                "all" => HouseholderAge.All,
                "under65" => HouseholderAge.Under65,
                "65plus" => HouseholderAge.Age65Plus,
                var other => throw new InvalidDataException($"{source} line {line}: householder_age '{other}' is not all, under65 or 65plus."),
            };
            if (Dollars(cells[weighted], source, line) is { } average) averages.Add(new(size, householder, average));
            for (var k = 0; k < childColumns.Length; k++)
                if (Dollars(cells[childColumns[k]], source, line) is { } value) thresholds.Add(new(size, k, householder, value));
        }
        return new PovertyThresholdTable(year, thresholds, averages, source);
    }

    private static double? Dollars(string cell, string source, int line)
    {
        var text = cell.Trim().Replace("$", "").Replace(",", "");
        if (text.Length == 0) return null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new InvalidDataException($"{source} line {line}: '{cell}' is not a dollar amount.");
    }

    private static readonly string[] SizeWords = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    private static int? FamilySizeOf(string label)
    {
        var words = Normalize(label);
        for (var i = 0; i < SizeWords.Length; i++)
            if (words.StartsWith(SizeWords[i] + " people", StringComparison.Ordinal)
                || words.StartsWith(SizeWords[i] + " person", StringComparison.Ordinal))
                return i + 1;
        return null;
    }

    private static string Normalize(string label) =>
        Regex.Replace(Regex.Replace(label.ToLowerInvariant(), @"[\.\u2026:]+", " "), @"\s+", " ").Trim();

    /// <summary>
    /// Reads the Census Bureau's <c>threshYY.xlsx</c> (first sheet): finds the header row with the "None" …
    /// "Eight or more" children columns, then reads the size rows below it ("One person (unrelated
    /// individual)", its "Under age 65" / "Aged 65 and older" sub-rows, "Two people" with its householder
    /// sub-rows, "Three people" … "Nine people or more"), whatever the dot leaders and title rows.
    /// </summary>
    public static PovertyThresholdTable ReadCensusWorkbook(string path, int year)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Census thresholds workbook not found: {path}", path);
        List<object?[]> rows;
        try
        {
            rows = MiniExcel.Query(path, useHeaderRow: false, excelType: ExcelType.XLSX)
                .Select(r => ((IDictionary<string, object?>)r).OrderBy(kv => ColumnNumber(kv.Key)).Select(kv => kv.Value).ToArray())
                .ToList();
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidDataException($"{path}: not a readable .xlsx workbook ({e.Message}).", e);
        }

        static string Text(object? cell) => Convert.ToString(cell, CultureInfo.InvariantCulture)?.Trim() ?? "";
        var headerRow = rows.FindIndex(r => r.Any(c => Text(c).Equals("None", StringComparison.OrdinalIgnoreCase))
                                           && r.Any(c => Text(c).StartsWith("Eight or more", StringComparison.OrdinalIgnoreCase)));
        if (headerRow < 0)
            throw new InvalidDataException($"{path}: no header row with the related-children columns 'None' … 'Eight or more' " +
                $"(is this a Census threshYY.xlsx?).");
        var header = rows[headerRow];
        var noneColumn = Array.FindIndex(header, c => Text(c).Equals("None", StringComparison.OrdinalIgnoreCase));
        // The weighted-average column sits left of "None" (its caption is on the row above in the Bureau's layout).
        var weightedColumn = Enumerable.Range(0, noneColumn).LastOrDefault(
            c => rows.Skip(Math.Max(0, headerRow - 2)).Take(3)
                .Any(r => c < r.Length && Text(r[c]).Contains("weighted", StringComparison.OrdinalIgnoreCase)), noneColumn - 1);

        var thresholds = new List<PovertyThreshold>();
        var averages = new List<WeightedAverageThreshold>();
        int? currentSize = null;
        for (var r = headerRow + 1; r < rows.Count; r++)
        {
            var row = rows[r];
            var labelCell = Array.FindIndex(row, c => Text(c).Length > 0);
            if (labelCell < 0 || labelCell >= noneColumn) continue;
            var label = Normalize(Text(row[labelCell]));
            HouseholderAge age;
            if (FamilySizeOf(label) is { } size) { currentSize = size; age = HouseholderAge.All; }
            else if (currentSize is 1 or 2 && label.Contains("under") && label.Contains("65")) age = HouseholderAge.Under65;
            else if (currentSize is 1 or 2 && label.Contains("65") && (label.Contains("older") || label.Contains("over") || label.Contains("aged")))
                age = HouseholderAge.Age65Plus;
            else if (currentSize is null) continue;
            else break; // footnotes and source lines end the table
            if (Number(row, weightedColumn) is { } average) averages.Add(new(currentSize.Value, age, average));
            for (var k = 0; k <= MaxRelatedChildren; k++)
                if (Number(row, noneColumn + k) is { } value)
                    thresholds.Add(new(currentSize.Value, k, age, value));
        }
        // The Bureau's one- and two-person "all" rows carry only a weighted average; their cells are the sub-rows'.
        return new PovertyThresholdTable(year, thresholds.Where(t => !(t.FamilySize <= 2 && t.Age == HouseholderAge.All)), averages,
            Path.GetFileName(path));

        static double? Number(object?[] row, int column)
        {
            if (column < 0 || column >= row.Length || row[column] is null) return null;
            return row[column] switch
            {
                double d when d > 0 => d,
                int i when i > 0 => i,
                long l when l > 0 => l,
                decimal m when m > 0 => (double)m,
                var other => double.TryParse(Text(other).Replace(",", "").Replace("$", ""), NumberStyles.Float, CultureInfo.InvariantCulture,
                    out var v) && v > 0 ? v : null,
            };
        }
    }

    private static int ColumnNumber(string letters) => letters.Aggregate(0, (n, c) => n * 26 + (char.ToUpperInvariant(c) - 'A' + 1));

    /// <summary>Writes the long table (year, family_size, related_children, householder_age, threshold, weighted_average) atomically.</summary>
    public async Task WriteParquetAsync(string path)
    {
        var fields = new DataField[]
        {
            new DataField<int>("year"), new DataField<int>("family_size"), new DataField<int>("related_children"),
            new DataField<string>("householder_age"), new DataField<double>("threshold"), new DataField<double?>("weighted_average"),
        };
        await ParquetFrames.WriteAsync(path, new ParquetSchema(fields), async writer =>
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<int>(fields[0], Thresholds.Select(_ => Year).ToArray());
            await group.WriteAsync<int>(fields[1], Thresholds.Select(t => t.FamilySize).ToArray());
            await group.WriteAsync<int>(fields[2], Thresholds.Select(t => t.RelatedChildren).ToArray());
            await group.WriteAsync(fields[3], Thresholds.Select(t => AgeName(t.Age)).ToArray());
            await group.WriteAsync<double>(fields[4], Thresholds.Select(t => t.Dollars).ToArray());
            await group.WriteAsync(fields[5],
                new ReadOnlyMemory<double?>(Thresholds
                    .Select(t => WeightedAverages.FirstOrDefault(w => w.FamilySize == t.FamilySize && w.Age == t.Age)?.Dollars).ToArray()));
        }, new Dictionary<string, string> { ["pophealth.source"] = Source, ["pophealth.year"] = Year.ToString(CultureInfo.InvariantCulture) });
    }

    /// <summary>The codes the shipped CSV and the Parquet table use for <see cref="HouseholderAge"/>.</summary>
    public static string AgeName(HouseholderAge age) => age switch
    {
        HouseholderAge.Under65 => "under65",
        HouseholderAge.Age65Plus => "65plus",
        _ => "all",
    };
}
