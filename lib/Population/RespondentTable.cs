using PopHealth.Features;
using PopHealth.Ingest;
using PopHealth.Ingest.Census;
using PopHealth.Ingest.Codebook;
using PopHealth.Workbook;

namespace PopHealth.Population;

/// <summary>
/// One way respondents are grouped: its name in the extract, its levels in order, each respondent's level (null =
/// unknown) and the source column.
/// </summary>
public sealed record GroupDimension(string Name, IReadOnlyList<string> Levels, IReadOnlyList<string?> Values, string Source);

/// <summary>
/// What the direct estimates read, one value per respondent: survey year, the outcome (1 = fair or poor health, 0 = good or
/// better, null = unknown), weight, stratum and state where the source has them, and the group dimensions it supports.
/// Built from the interim table (<see cref="FromInterim"/>) or from plain arrays (tests, other sources).
/// </summary>
public sealed class RespondentTable
{
    public RespondentTable(string source, IReadOnlyList<int> year, IReadOnlyList<double?> fairPoor, IReadOnlyList<double?>? weight,
        IReadOnlyList<double?>? stratum, IReadOnlyList<double?>? state, IReadOnlyList<GroupDimension> groups, IReadOnlyList<string>? notes = null)
    {
        var n = fairPoor.Count;
        void Check<T>(IReadOnlyList<T>? column, string name)
        {
            if (column is not null && column.Count != n)
                throw new ArgumentException($"{source}: {name} has {column.Count} values for {n} respondents.", name);
        }
        Check(year, nameof(year));
        Check(weight, nameof(weight));
        Check(stratum, nameof(stratum));
        Check(state, nameof(state));
        foreach (var g in groups)
        {
            Check(g.Values, g.Name);
            if (g.Values.FirstOrDefault(v => v is not null && !g.Levels.Contains(v)) is { } stray)
                throw new ArgumentException($"{source}: group '{g.Name}' has the value '{stray}', which is not one of its levels " +
                    $"({string.Join(", ", g.Levels)}).");
        }
        if (groups.Select(g => g.Name).GroupBy(x => x).FirstOrDefault(x => x.Count() > 1) is { } twice)
            throw new ArgumentException($"{source}: two group dimensions are named '{twice.Key}'.");
        (Source, Year, FairPoor, Weight, Stratum, State, Groups, Notes) = (source, year, fairPoor, weight, stratum, state, groups, notes ?? []);
    }

    /// <summary>Where the respondents came from (the file, for messages).</summary>
    public string Source { get; }
    public int Rows => FairPoor.Count;
    public IReadOnlyList<int> Year { get; }
    public IReadOnlyList<double?> FairPoor { get; }
    /// <summary>Final weights (<c>_LLCPWT</c>); null when the source has none (unweighted estimates).</summary>
    public IReadOnlyList<double?>? Weight { get; }
    /// <summary>Strata (<c>_STSTR</c>); null when the source has none.</summary>
    public IReadOnlyList<double?>? Stratum { get; }
    /// <summary>State FIPS codes as read (<c>_STATE</c>); null when the source has none.</summary>
    public IReadOnlyList<double?>? State { get; }
    public IReadOnlyList<GroupDimension> Groups { get; }
    /// <summary>What the source lacks or how a column was stood in for, in sentences.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The respondents of the interim table (every row, columns under the 2024 names, as 01-convert wrote it).</summary>
    public static RespondentTable FromInterim(BrfssTable table)
    {
        var frame = table.Frame;
        var notes = new List<string>();
        double?[]? Column(string name) => frame.Columns.IndexOf(name) >= 0 ? frame.Numbers(name) : null;
        var rows = (int)table.Rows;
        var years = Column(FeatureSet.SurveyYear) is { } y
            ? y.Select((v, i) => v is { } year ? (int)year
                : throw new InvalidDataException($"{table.Source}: row {i + 1} has no {FeatureSet.SurveyYear}; re-run 01-convert.")).ToArray()
            : Enumerable.Repeat(table.Profile.Year, rows).ToArray();
        var fairPoor = Outcome(Column, table.Source, notes);
        var weight = Column("_LLCPWT");
        var stratum = Column("_STSTR");
        var state = Column("_STATE");
        if (weight is null)
            notes.Add("No survey weight (_LLCPWT): every respondent counts once (unweighted estimates, Wilson intervals); " +
                "no weighted population and no coverage.");
        else if (stratum is null)
            notes.Add("Weights but no strata (_STSTR): the design is taken as one stratum, so the standard errors ignore the stratification.");
        if (state is null) notes.Add("No state (_STATE): estimates for all respondents and their groups only, no state rows.");
        var groups = RespondentGroups.Of(Column, table.Profile, notes);
        return new RespondentTable(table.Source, years, fairPoor, weight, stratum, state, groups, notes);
    }

    /// <summary>The interim table's columns the estimates may read (those a source lacks are left out).</summary>
    public static IReadOnlyList<string> InterimColumns { get; } =
        ["_RFHLTH", "GENHLTH", FeatureSet.SurveyYear, "_LLCPWT", "_STSTR", "_STATE", "_AGEG5YR", "_AGE_G", "_SEX", "INCOME3", "INCOME2", "_INCOMG1",
            "_INCOMG", "_EDUCAG", "EDUCA"];

    /// <summary>
    /// Reads the interim table at <paramref name="interimPath"/> (01-convert's <c>interim/brfss.parquet</c>), only the
    /// columns it needs.
    /// </summary>
    public static async Task<RespondentTable> ReadAsync(string interimPath) => FromInterim(await BrfssTable.ReadAsync(interimPath, InterimColumns));

    /// <summary>CDC's <c>_RFHLTH</c> (2 = fair or poor among 1 and 2; 9 and blank unknown), or, lacking it, the same rule on GENHLTH.</summary>
    private static double?[] Outcome(Func<string, double?[]?> column, string source, List<string> notes)
    {
        if (column("_RFHLTH") is { } rfhlth) return rfhlth.Select(v => v switch { 2 => 1, 1 => 0, _ => (double?)null }).ToArray();
        if (column("GENHLTH") is { } general)
        {
            notes.Add("No _RFHLTH: fair or poor health derived from GENHLTH as CDC derives _RFHLTH (4-5 fair or poor, 1-3 good or better, " +
                "7 and 9 unknown).");
            return general.Select(v => v switch { 4 or 5 => 1, 1 or 2 or 3 => 0, _ => (double?)null }).ToArray();
        }
        throw new InvalidDataException($"{source}: no _RFHLTH or GENHLTH column: fair or poor health cannot be estimated. " +
            $"Convert a BRFSS file that has them (01-convert).");
    }
}

/// <summary>
/// The report's group dimensions from CDC's columns: <c>age</c> (six bands from <c>_AGEG5YR</c>, else <c>_AGE_G</c>),
/// <c>sex</c> (<c>_SEX</c>), <c>income</c> (bands of the year's income variable) and <c>education</c> (<c>_EDUCAG</c>, else EDUCA
/// folded to its four levels). CDC's "don't know / refused" codes are unknown.
/// </summary>
public static class RespondentGroups
{
    public static IReadOnlyList<string> Sexes { get; } = ["male", "female"];
    public static IReadOnlyList<string> EducationLevels { get; } = ["no high-school diploma", "high school", "some college", "college graduate"];

    /// <summary>Income band cut points, dollars: a band ends at one only where the year's variable has a bracket boundary there.</summary>
    public static IReadOnlyList<double> IncomeCuts { get; } = [15_000, 25_000, 35_000, 50_000, 75_000, 100_000];

    /// <summary>CDC's 2016 five-level <c>_INCOMG</c>.</summary>
    private static readonly IncomeBracket[] IncomeGroup2016 = [new(1, 0, 15_000), new(2, 15_000, 25_000), new(3, 25_000, 35_000),
        new(4, 35_000, 50_000), new(5, 50_000, null)];

    internal static List<GroupDimension> Of(Func<string, double?[]?> column, BrfssYearProfile profile, List<string> notes)
    {
        var groups = new List<GroupDimension>();
        void Add(GroupDimension? g, string missing)
        {
            if (g is null) notes.Add(missing);
            else groups.Add(g);
        }
        Add(Age(column), "No age (_AGEG5YR or _AGE_G): no age groups.");
        Add(column("_SEX") is { } sex
            ? new("sex", Sexes, sex.Select(v => BrfssCodes.Clean("_SEX", v) switch { 1 => "male", 2 => "female", _ => null }).ToArray(), "_SEX")
            : null,
            "No sex (_SEX): no sex groups.");
        Add(Income(column, profile), "No income variable (INCOME3, INCOME2, _INCOMG1 or _INCOMG): no income groups.");
        Add(Education(column), "No education (_EDUCAG or EDUCA): no education groups.");
        return groups;
    }

    private static GroupDimension? Age(Func<string, double?[]?> column)
    {
        var labels = AgeBand.Report.Select(b => b.Label).ToArray();
        if (column("_AGEG5YR") is { } five) // 1 = 18-24, 2-3 = 25-34, …, 10-13 = 65+, 14 unknown
            return new("age", labels,
                five.Select(v => v is { } c && c == Math.Floor(c) && c is >= 1 and <= 13 ? labels[AgeBand.ReportIndexOf((int)c)] : null).ToArray(),
                "_AGEG5YR");
        if (column("_AGE_G") is { } grouped)
            return new("age", labels,
                grouped.Select(v => v is { } c && c == Math.Floor(c) && c is >= 1 and <= 6 ? labels[(int)c - 1] : null).ToArray(), "_AGE_G");
        return null;
    }

    private static GroupDimension? Income(Func<string, double?[]?> column, BrfssYearProfile profile)
    {
        (string Name, IReadOnlyList<IncomeBracket> Brackets)[] candidates =
            [(profile.IncomeVariable, profile.IncomeBrackets), ("INCOME3", BrfssYearProfile.Llcp2024.IncomeBrackets),
             ("_INCOMG1", BrfssYearProfile.National2024Grouped.IncomeBrackets), ("_INCOMG", IncomeGroup2016)];
        foreach (var (name, brackets) in candidates)
        {
            if (column(name) is not { } codes) continue;
            var bands = IncomeBands(brackets);
            return new("income", bands.Select(b => b.Label).Distinct().ToArray(),
                codes.Select(v => BrfssCodes.Clean(name, v) is { } c ? bands.FirstOrDefault(b => b.Code == c).Label : null).ToArray(), name);
        }
        return null;
    }

    /// <summary>Each bracket's band: from the highest usable cut at or below its lower bound to the next usable cut (none: open).</summary>
    public static IReadOnlyList<(int Code, string Label)> IncomeBands(IReadOnlyList<IncomeBracket> brackets)
    {
        var usable = IncomeCuts.Where(c => brackets.Any(b => b.Lower == c)).ToArray();
        static string K(double dollars) => $"${dollars / 1000:0}k";
        return brackets.OrderBy(b => b.Lower).Select(b =>
        {
            var low = usable.LastOrDefault(c => c <= b.Lower);
            var high = usable.FirstOrDefault(c => c > b.Lower);
            var label = low == 0 ? $"under {K(high)}" : high == 0 ? $"{K(low)}+" : $"{K(low)}-{K(high)[1..]}";
            return (b.Code, label);
        }).ToArray();
    }

    private static GroupDimension? Education(Func<string, double?[]?> column)
    {
        if (column("_EDUCAG") is { } grouped)
            return new("education", EducationLevels,
                grouped.Select(v => BrfssCodes.Clean("_EDUCAG", v) is { } c && c is >= 1 and <= 4 && c == Math.Floor(c) ? EducationLevels[(int)c - 1]
                    : null).ToArray(), "_EDUCAG");
        if (column("EDUCA") is { } educa)
            return new("education", EducationLevels,
                educa.Select(v => EducationLevelOfEduca(v) is { } level ? EducationLevels[level - 1] : null).ToArray(), "EDUCA");
        return null;
    }

    /// <summary>
    /// The <see cref="EducationLevels"/> level (1-4, as <c>_EDUCAG</c> codes it) of an <c>EDUCA</c> answer: 1-3 never finished
    /// high school, 4 diploma/GED, 5 some college, 6 graduate; null for refused, unknown or anything else.
    /// </summary>
    public static int? EducationLevelOfEduca(double? educa) => BrfssCodes.Clean("EDUCA", educa) switch
    {
        1 or 2 or 3 => 1, 4 => 2, 5 => 3, 6 => 4, _ => null,
    };
}
