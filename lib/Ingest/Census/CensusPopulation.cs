using System.Globalization;
using System.Reflection;

namespace PopHealth.Ingest.Census;

/// <summary>An age band of adults, <see cref="Low"/> to <see cref="High"/> years inclusive (no <see cref="High"/>: and over).</summary>
public sealed record AgeBand(string Label, int Low, int? High)
{
    public bool Covers(int age) => age >= Low && (High is null || age <= High);

    /// <summary>The report's six bands (CDC's <c>_AGE_G</c>; <c>_AGEG5YR</c> folded): 18-24, 25-34, 35-44, 45-54, 55-64, 65+.</summary>
    public static IReadOnlyList<AgeBand> Report { get; } =
        [new("18-24", 18, 24), new("25-34", 25, 34), new("35-44", 35, 44), new("45-54", 45, 54), new("55-64", 55, 64), new("65+", 65, null)];

    /// <summary>CDC's <c>_AGEG5YR</c> bands (codes 1-13): 18-24, then five years at a time to 75-79, and 80+.</summary>
    public static IReadOnlyList<AgeBand> FiveYear { get; } =
        [new("18-24", 18, 24), .. Enumerable.Range(0, 11).Select(k => new AgeBand($"{25 + 5 * k}-{29 + 5 * k}", 25 + 5 * k, 29 + 5 * k)),
            new("80+", 80, null)];

    /// <summary>The index in <see cref="Report"/> of the band holding <c>_AGEG5YR</c> code <paramref name="fiveYearCode"/> (1-13).</summary>
    public static int ReportIndexOf(int fiveYearCode)
    {
        var low = FiveYear[fiveYearCode - 1].Low;
        for (var i = 0; ; i++) if (Report[i].Covers(low)) return i; // the report's bands cover every adult age
    }
}

/// <summary>A state's adults (18 and over) in one year, and which Census table and population basis gave the number.</summary>
/// <param name="StateFips">FIPS code; 0 = the United States (50 states and DC).</param>
/// <param name="Basis">E.g. "resident 18+ (SCPRC-EST2016-18+POP-RES)" or "civilian 18+ (SC-EST2023-AGESEX-CIV)".</param>
public sealed record StateAdults(int Year, int StateFips, string State, double Adults, string Basis);

/// <summary>Adults of one state, age band and sex (<c>male</c> / <c>female</c>) in one year.</summary>
public sealed record AdultsCell(int Year, int StateFips, string AgeBand, string Sex, double Adults, string Basis);

/// <summary>
/// The Census Bureau's adult population by state, year, age and sex, from the tables shipped in <c>data/census</c> (see its
/// SOURCES.md; embedded in the library): resident adults 18+ in 2016 (50 states, DC, Puerto Rico); civilian adults by single
/// year of age and sex for 2010-2016 and 2020-2023 (50 states, DC); Puerto Rico's resident adults by age and sex for
/// 2020-2023. <see cref="Adults"/> prefers the resident 18+ table (the basis BRFSS weights are raked to) and otherwise sums
/// the single years 18 and over, saying which in <see cref="StateAdults.Basis"/>. A year or state the tables do not hold is
/// a <see cref="KeyNotFoundException"/> that says what they do hold; the Census Bureau publishes no estimate for Guam or the
/// US Virgin Islands.
/// </summary>
public sealed class CensusPopulation
{
    private const string ResourcePrefix = "PopHealth.Ingest.Census.Population.";
    private readonly Dictionary<(int Year, int Fips), double> residentAdults = [];
    /// <summary>Persons by [sex 0 male, 1 female][age 0..85] for a state and year, with the table's basis.</summary>
    private readonly Dictionary<(int Year, int Fips), (double[][] BySexAge, string Basis)> singleYears = [];
    private readonly Dictionary<int, string> names = new() { [66] = "Guam", [78] = "US Virgin Islands" };

    private static readonly Lazy<CensusPopulation> ShippedTables = new(() => Load(Resource));

    /// <summary>The tables shipped with the workbook.</summary>
    public static CensusPopulation Shipped => ShippedTables.Value;

    /// <summary>Years for which <see cref="Adults"/> has at least one state.</summary>
    public IReadOnlyList<int> Years => residentAdults.Keys.Concat(singleYears.Keys).Select(k => k.Year).Distinct().Order().ToArray();

    /// <summary>FIPS codes of the states (and DC, Puerto Rico; 0 = the United States) with adults in <paramref name="year"/>.</summary>
    public IReadOnlyList<int> StatesOf(int year) =>
        residentAdults.Keys.Concat(singleYears.Keys).Where(k => k.Year == year).Select(k => k.Fips).Distinct().Order().ToArray();

    /// <summary>The state's name as the Census tables write it (or "FIPS nn" for a code they do not know).</summary>
    public string NameOf(int fips) => names.TryGetValue(fips, out var name) ? name : $"FIPS {fips:00}";

    /// <summary>
    /// Adults 18+ of <paramref name="stateFips"/> in <paramref name="year"/> (0 = the United States); see the class
    /// summary for the basis.
    /// </summary>
    public StateAdults Adults(int year, int stateFips) =>
        FindAdults(year, stateFips, out var missing) ?? throw new KeyNotFoundException(missing);

    /// <summary>As <see cref="Adults"/>, but null with the reason in <paramref name="missing"/> when the tables do not hold it.</summary>
    public StateAdults? FindAdults(int year, int stateFips, out string? missing)
    {
        missing = null;
        if (residentAdults.TryGetValue((year, stateFips), out var resident))
            return new StateAdults(year, stateFips, NameOf(stateFips), resident, $"resident 18+ (SCPRC-EST{year}-18+POP-RES)");
        if (singleYears.TryGetValue((year, stateFips), out var table))
            return new StateAdults(year, stateFips, NameOf(stateFips), table.BySexAge.Sum(ages => ages.Skip(18).Sum()), table.Basis);
        missing = Missing(year, stateFips, "adults");
        return null;
    }

    /// <summary>
    /// Adults of <paramref name="stateFips"/> in <paramref name="year"/> by age band (<paramref name="bands"/>, default
    /// <see cref="AgeBand.Report"/>; bands must start at 18 or later) and sex, from the single-year tables.
    /// </summary>
    public IReadOnlyList<AdultsCell> AdultsByAgeSex(int year, int stateFips, IReadOnlyList<AgeBand>? bands = null)
    {
        bands ??= AgeBand.Report;
        if (bands.FirstOrDefault(b => b.Low < 18) is { } young)
            throw new ArgumentException($"Age band {young.Label} starts below 18: the tables give adults by band from 18.", nameof(bands));
        if (!singleYears.TryGetValue((year, stateFips), out var table))
            throw new KeyNotFoundException(Missing(year, stateFips, "adults by age and sex"));
        return bands.SelectMany(band => new[] { (Sex: "male", Index: 0), (Sex: "female", Index: 1) }.Select(sex =>
            new AdultsCell(year, stateFips, band.Label, sex.Sex,
                Enumerable.Range(band.Low, Math.Min(band.High ?? 85, 85) - band.Low + 1).Sum(age => table.BySexAge[sex.Index][age]),
                table.Basis))).ToArray();
    }

    /// <summary>Every state's (and DC's, Puerto Rico's when held) cells for <paramref name="year"/>, the United States (FIPS 0) left out.</summary>
    public IReadOnlyList<AdultsCell> AdultsByAgeSex(int year, IReadOnlyList<AgeBand>? bands = null)
    {
        var states = singleYears.Keys.Where(k => k.Year == year && k.Fips != 0).Select(k => k.Fips).Order().ToArray();
        if (states.Length == 0) throw new KeyNotFoundException(Missing(year, 0, "adults by age and sex"));
        return states.SelectMany(s => AdultsByAgeSex(year, s, bands)).ToArray();
    }

    private string Missing(int year, int fips, string what)
    {
        if (fips is 66 or 78)
            return $"No Census figure for {NameOf(fips)} (FIPS {fips}): " +
                $"the Census Bureau publishes no population estimate for Guam or the US Virgin Islands.";
        var yearsWith = residentAdults.Keys.Concat(singleYears.Keys).Where(k => k.Fips == fips).Select(k => k.Year).Distinct().Order().ToArray();
        if (yearsWith.Length == 0)
            return $"FIPS {fips:00} is not a state in the Census tables shipped in data/census (the 50 states, DC = 11, Puerto Rico = 72; " +
                $"0 = the United States).";
        var ageSexYears = singleYears.Keys.Where(k => k.Fips == fips).Select(k => k.Year).Order().ToArray();
        return $"No Census {what} for {NameOf(fips)} in {year}: "
            + $"the tables shipped in data/census hold {NameOf(fips)}'s adults for {Ranges(yearsWith)}"
            + (ageSexYears.Length > 0 ? $" and by age and sex for {Ranges(ageSexYears)}." : ", and none by age and sex.")
            + " See data/census/SOURCES.md.";
    }

    private static string Ranges(int[] years) => string.Join(", ", years.Select((y, i) => (y, i)).GroupBy(t => t.y - t.i)
        .Select(g => g.First().y == g.Last().y ? $"{g.First().y}" : $"{g.First().y}-{g.Last().y}"));

    private static TextReader Resource(string file) =>
        new StreamReader(Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + file)
            ?? throw new InvalidOperationException($"Embedded resource {file} is missing from the library (data/census)."));

    /// <summary>Reads the four tables (by file name, as in data/census) through <paramref name="open"/>.</summary>
    internal static CensusPopulation Load(Func<string, TextReader> open)
    {
        var census = new CensusPopulation();
        census.ReadResident18(open, "scprc-est2016-18+pop-res.csv", 2016);
        census.ReadStateSingleYears(open, "sc-est2016-agesex-civ.csv", "SC-EST2016-AGESEX-CIV", 2010..2016);
        census.ReadStateSingleYears(open, "sc-est2023-agesex-civ.csv", "SC-EST2023-AGESEX-CIV", 2020..2023);
        census.ReadPuertoRico(open, "cc-est2023-syasex-72.csv");
        return census;
    }

    private void ReadResident18(Func<string, TextReader> open, string file, int year)
    {
        foreach (var row in Rows(open, file, ["STATE", "NAME", $"POPEST18PLUS{year}"]))
        {
            var fips = Whole(row, 0, file);
            names.TryAdd(fips, row.Values[1]);
            residentAdults[(year, fips)] = Whole(row, 2, file);
        }
    }

    private void ReadStateSingleYears(Func<string, TextReader> open, string file, string product, Range years)
    {
        var (first, last) = (years.Start.Value, years.End.Value);
        string[] columns = ["STATE", "NAME", "SEX", "AGE", .. Enumerable.Range(first, last - first + 1).Select(y => $"POPEST{y}_CIV")];
        foreach (var row in Rows(open, file, columns))
        {
            var (fips, sex, age) = (Whole(row, 0, file), Whole(row, 2, file), Whole(row, 3, file));
            names.TryAdd(fips, row.Values[1]);
            if (sex is not (1 or 2) || age is < 0 or > 85) continue; // both sexes (0) and all ages (999) are sums of these
            for (var y = first; y <= last; y++)
                Cells(y, fips, $"civilian 18+ ({product})")[sex - 1][age] += Whole(row, 4 + y - first, file);
        }
    }

    private void ReadPuertoRico(Func<string, TextReader> open, string file)
    {
        foreach (var row in Rows(open, file, ["STATE", "YEAR", "AGE", "TOT_MALE", "TOT_FEMALE"]))
        {
            var (fips, code, age) = (Whole(row, 0, file), Whole(row, 1, file), Whole(row, 2, file));
            if (code is < 2 or > 5 || age is < 0 or > 85) continue; // YEAR 1 is the April 2020 base; 2-5 are July 1 of 2020-2023
            var cells = Cells(2018 + code, fips, "resident 18+ (CC-EST2023-SYASEX, Puerto Rico's municipios summed)");
            cells[0][age] += Whole(row, 3, file);
            cells[1][age] += Whole(row, 4, file);
        }
        names.TryAdd(72, "Puerto Rico");
    }

    private double[][] Cells(int year, int fips, string basis)
    {
        if (!singleYears.TryGetValue((year, fips), out var table)) singleYears[(year, fips)] = table = ([new double[86], new double[86]], basis);
        return table.BySexAge;
    }

    private sealed record Row(string[] Values, long Line);

    private static IEnumerable<Row> Rows(Func<string, TextReader> open, string file, string[] columns)
    {
        using var records = new CsvRecords(open(file), file);
        if (!records.Next(int.MaxValue)) throw new InvalidDataException($"{file}: empty; expected a Census table with {string.Join(", ", columns)}.");
        var header = Enumerable.Range(0, records.FieldCount).Select(i => records.Field(i).ToString().Trim()).ToList();
        var at = columns.Select(c => header.IndexOf(c)).ToArray();
        if (at.Any(i => i < 0))
            throw new InvalidDataException($"{file}: missing column(s) {string.Join(", ", columns.Where((_, k) => at[k] < 0))}; " +
                $"replace it with the Census Bureau's file named in data/census/SOURCES.md.");
        while (records.Next(int.MaxValue))
        {
            if (records.FieldCount < header.Count)
                throw new InvalidDataException($"{file}: line {records.Line}: {records.FieldCount} fields, the header has {header.Count}.");
            yield return new Row(at.Select(i => records.Field(i).ToString()).ToArray(), records.Line);
        }
    }

    private static int Whole(Row row, int column, string file) =>
        int.TryParse(row.Values[column], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
            : throw new InvalidDataException($"{file}: line {row.Line}: '{row.Values[column]}' is not a whole number.");
}
