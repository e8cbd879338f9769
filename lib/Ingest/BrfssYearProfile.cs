namespace PopHealth.Ingest;

/// <summary>An income bracket of a BRFSS income variable, in dollars (upper bound null for the open top bracket).</summary>
public sealed record IncomeBracket(int Code, double Lower, double? Upper);

/// <summary>How well a source supports one of the workbook's features.</summary>
public enum FeatureSupport { Exact, ClosestEquivalent, Unavailable }

/// <summary>One feature and what the source offers for it.</summary>
public sealed record FeatureAvailability(string Feature, FeatureSupport Support, string Variables, string Note);

/// <summary>
/// How one BRFSS year (or extract) names and codes the workbook's variables, mapped onto the 2024
/// names. Renames are applied only where the coding is the same; where it differs (2016's INCOME2,
/// grouped variables) the original name is kept and the profile says how to read it.
/// </summary>
public sealed record BrfssYearProfile(
    string Name,
    int Year,
    IReadOnlyDictionary<string, string> Renames,
    IReadOnlyList<string> Signature,
    IReadOnlyList<string> Dropped,
    string IncomeVariable,
    IReadOnlyList<IncomeBracket> IncomeBrackets,
    bool GroupedOnly,
    string Notes)
{
    /// <summary>
    /// For a profile that maps another year's columns onto 2024 names without that year's codebook here: the codes each
    /// column may hold (2024's). A converted value outside them refuses the file, naming the column and the codes, rather
    /// than guessing what a recoded variable means. (A permutation of the same codes cannot be caught this way.)
    /// </summary>
    public IReadOnlyDictionary<string, double[]>? CheckedCodes { get; init; }

    /// <summary>The eleven chronic-condition items (2024 names) counted by the original's <c>num_conditions</c>.</summary>
    public static readonly IReadOnlyList<string> ConditionItems =
        ["CVDINFR4", "CVDCRHD4", "CVDSTRK3", "ASTHMA3", "CHCSCNC1", "CHCOCNC1", "CHCCOPD3", "ADDEPEV3", "CHCKDNY2", "HAVARTH4", "DIABETE4"];

    /// <summary>The variables the workbook's features read (2024 names): the ones whose missing codes 01-convert counts.</summary>
    public IReadOnlyList<string> KeyVariables =>
        ["_RFHLTH", "GENHLTH", "_AGEG5YR", "_SEX", "EDUCA", "_EDUCAG", IncomeVariable, "_BMI5", "_BMI5CAT", "_SMOKER3", "DRNKANY6", "CHILDREN",
         "HHADULT", "NUMADULT", .. ConditionItems, .. GroupedConditionItems];

    /// <summary>CDC's grouped variables that stand in for some condition items in extracts without them.</summary>
    private static readonly string[] GroupedConditionItems = ["_MICHD", "_DRDXAR2"];

    private static readonly IncomeBracket[] Income3 =
    [
        new(1, 0, 10_000), new(2, 10_000, 15_000), new(3, 15_000, 20_000), new(4, 20_000, 25_000), new(5, 25_000, 35_000),
        new(6, 35_000, 50_000), new(7, 50_000, 75_000), new(8, 75_000, 100_000), new(9, 100_000, 150_000), new(10, 150_000, 200_000),
        new(11, 200_000, null),
    ];

    private static readonly IncomeBracket[] Income2 =
    [
        new(1, 0, 10_000), new(2, 10_000, 15_000), new(3, 15_000, 20_000), new(4, 20_000, 25_000), new(5, 25_000, 35_000),
        new(6, 35_000, 50_000), new(7, 50_000, 75_000), new(8, 75_000, null),
    ];

    private static readonly IncomeBracket[] IncomeGroup1 =
    [
        new(1, 0, 15_000), new(2, 15_000, 25_000), new(3, 25_000, 35_000), new(4, 35_000, 50_000), new(5, 50_000, 100_000), new(6, 100_000, 200_000),
        new(7, 200_000, null),
    ];

    private static readonly Dictionary<string, string> None = [];

    public static readonly BrfssYearProfile Llcp2024 = new("LLCP2024", 2024, None,
        ["INCOME3", "DRNKANY6", "CHCSCNC1", "CHCKDNY2"], [], "INCOME3", Income3, false,
        "CDC's 2024 combined landline and cell file; the workbook's reference names.");

    public static readonly BrfssYearProfile Llcp2023 = Llcp2024 with
    {
        Name = "LLCP2023", Year = 2023,
        Notes = "CDC's 2023 file: the workbook's variables carry the 2024 names and codes (set POPHEALTH_YEAR=2023; " +
            "the names alone cannot tell 2023 from 2024).",
    };

    public static readonly BrfssYearProfile Llcp2016 = new("LLCP2016", 2016,
        new Dictionary<string, string>
        {
            ["DRNKANY5"] = "DRNKANY6", ["CHCSCNCR"] = "CHCSCNC1", ["CHCOCNCR"] = "CHCOCNC1", ["CHCCOPD1"] = "CHCCOPD3",
            ["ADDEPEV2"] = "ADDEPEV3", ["CHCKIDNY"] = "CHCKDNY2", ["HAVARTH3"] = "HAVARTH4", ["DIABETE3"] = "DIABETE4",
            ["SEX"] = "_SEX", ["_DRDXAR1"] = "_DRDXAR2",
        },
        ["INCOME2", "DRNKANY5", "CHCSCNCR"], [], "INCOME2", Income2, false,
        "2016 names renamed to 2024 where the codes are the same. INCOME2 (8 brackets, top 75k+) differs from INCOME3 (11, top 200k+) " +
        "and keeps its name; _INCOMG is the 5-level grouping.");

    public static readonly BrfssYearProfile National2024Grouped = new("LLCP2024-grouped", 2024,
        new Dictionary<string, string>
        {
            ["HEALTH_STATUS"] = "_RFHLTH", ["EXERCISE"] = "_TOTINDA", ["HEALTH_CARE_COVERAGE"] = "_HCVU654", ["SMOKER"] = "_SMOKER3",
            ["DRINKER"] = "DRNKANY6", ["SOCIAL_DRINKER"] = "_RFBING6", ["HEAVY_ALCOHOL_CONSUMPTION"] = "_RFDRHV9", ["HEART_ATTACK"] = "_MICHD",
            ["STROKE"] = "CVDSTRK3", ["DIABETES"] = "DIABETE4", ["ARTHRITIS"] = "_DRDXAR2", ["MARITAL_STATUS"] = "MARITAL",
            ["EMPLOYMENT"] = "EMPLOY1", ["SEX"] = "_SEX", ["AGE_CATEGORIES"] = "_AGEG5YR", ["BMICAT"] = "_BMI5CAT",
            ["EDUCATION_LEVEL"] = "_EDUCAG", ["INCOME"] = "_INCOMG1",
        },
        ["HEALTH_STATUS", "AGE_CATEGORIES", "EDUCATION_LEVEL", "INCOME"],
        // Corrupted by the extract's own pipeline (codes 1-3 all mapped to 2), and an always-empty column.
        ["PHYSICAL_HEALTH_STATUS", "MENTAL_HEALTH_STATUS", "YEAR"],
        "_INCOMG1", IncomeGroup1, true,
        "A 20-variable extract of the full 2024 file with CDC's grouped variables only (_EDUCAG, _INCOMG1, _BMI5CAT, _MICHD, _DRDXAR2): " +
        "features use the closest grouped equivalents. _PHYS14D and _MENT14D are corrupted in it and dropped.");

    /// <summary>CDC's 2024 codes of the grouped extract's variables (codebook; blank = missing is not a code).</summary>
    private static readonly Dictionary<string, double[]> GroupedCodes2024 = new()
    {
        ["_RFHLTH"] = [1, 2, 9], ["_TOTINDA"] = [1, 2, 9], ["_HCVU654"] = [1, 2, 9], ["_SMOKER3"] = [1, 2, 3, 4, 9], ["DRNKANY6"] = [1, 2, 7, 9],
        ["_RFBING6"] = [1, 2, 9], ["_RFDRHV9"] = [1, 2, 9], ["_MICHD"] = [1, 2], ["CVDSTRK3"] = [1, 2, 7, 9], ["DIABETE4"] = [1, 2, 3, 4, 7, 9],
        ["_DRDXAR2"] = [1, 2], ["MARITAL"] = [1, 2, 3, 4, 5, 6, 9], ["EMPLOY1"] = [1, 2, 3, 4, 5, 6, 7, 8, 9], ["_SEX"] = [1, 2],
        ["_AGEG5YR"] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], ["_BMI5CAT"] = [1, 2, 3, 4], ["_EDUCAG"] = [1, 2, 3, 4, 9],
        ["_INCOMG1"] = [1, 2, 3, 4, 5, 6, 7, 9],
    };

    /// <summary>
    /// The same 20-variable extract for 2023 and 2022: same columns, checked against 2024's codes at conversion (choose
    /// with POPHEALTH_YEAR).
    /// </summary>
    public static readonly BrfssYearProfile National2023Grouped = National2024Grouped with
    {
        Name = "LLCP2023-grouped", Year = 2023, CheckedCodes = GroupedCodes2024,
        Notes = "The 20-variable extract of CDC's 2023 file (same columns as 2024's): mapped onto the 2024 names; " +
            "every value is checked against 2024's codes, and a code outside them refuses the file. Choose it with POPHEALTH_YEAR=2023.",
    };

    public static readonly BrfssYearProfile National2022Grouped = National2024Grouped with
    {
        Name = "LLCP2022-grouped", Year = 2022, CheckedCodes = GroupedCodes2024,
        Notes = "The 20-variable extract of CDC's 2022 file (INCOME's codes 1–7/9 are _INCOMG1's): mapped onto the 2024 names; " +
            "every value is checked against 2024's codes, and a code outside them refuses the file. Choose it with POPHEALTH_YEAR=2022.",
    };

    public static IReadOnlyList<BrfssYearProfile> All { get; } = [Llcp2024, Llcp2023, Llcp2016, National2024Grouped, National2023Grouped,
        National2022Grouped];

    /// <summary>The survey years the workbook has profiles for, in order.</summary>
    public static IReadOnlyList<int> KnownYears { get; } = All.Select(p => p.Year).Distinct().Order().ToArray();

    /// <summary>
    /// What kind of file <paramref name="columns"/> are: the profiles whose marker variables are all present, of the first
    /// such profile's kind (the same names, renames and dropped columns; they differ only in their year). Names tell the
    /// kind, never the year: the year comes from the file (<see cref="StatedYear"/>) or <c>POPHEALTH_YEAR</c>.
    /// <paramref name="source"/> names the file in errors.
    /// </summary>
    public static IReadOnlyList<BrfssYearProfile> Fitting(IEnumerable<string> columns, string? source = null)
    {
        var present = new HashSet<string>(columns, StringComparer.OrdinalIgnoreCase);
        var fitting = All.Where(p => p.Signature.All(present.Contains)).ToList();
        if (fitting.Count == 0)
            throw new InvalidDataException($"{source ?? "the source"}: cannot tell the BRFSS year: "
                + $"no year profile's marker variables are all present ({Requirements(All, present)}). "
                + "Set POPHEALTH_INPUT to a BRFSS file (CDC's LLCPyyyy XPT, or an extract holding one of those sets of variables), "
                + "or POPHEALTH_YEAR to its survey year.");
        return fitting.Where(p => p.IsSameKindAs(fitting[0])).ToList();
    }

    /// <summary>Whether two profiles read the same columns the same way (the same extract in different years).</summary>
    public bool IsSameKindAs(BrfssYearProfile other) =>
        Signature.SequenceEqual(other.Signature) && Dropped.SequenceEqual(other.Dropped) && IncomeVariable == other.IncomeVariable
        && Renames.Count == other.Renames.Count && Renames.All(r => other.Renames.TryGetValue(r.Key, out var v) && v == r.Value);

    /// <summary>
    /// The profile of survey year <paramref name="year"/> for <paramref name="columns"/> (it must fit them).
    /// <paramref name="source"/> names the file in errors.
    /// </summary>
    public static BrfssYearProfile Detect(IEnumerable<string> columns, int year, string? source = null)
    {
        var present = new HashSet<string>(columns, StringComparer.OrdinalIgnoreCase);
        var file = source ?? "the source";
        var origin = $"POPHEALTH_YEAR={year}";
        var ofYear = All.Where(p => p.Year == year).ToList();
        if (ofYear.Count == 0)
            throw new InvalidDataException($"{origin}: no profile for that year (known: {string.Join(", ", KnownYears)}): "
                + $"the workbook does not know that year's codes. "
                + "Set POPHEALTH_YEAR to the file's survey year if it is one of those, or convert a file of one of those years.");
        return ofYear.FirstOrDefault(p => p.Signature.All(present.Contains))
            ?? throw new InvalidDataException($"{origin}, but {file} lacks that year's variables: {Requirements(ofYear, present)}. "
                + $"Set POPHEALTH_INPUT to a BRFSS {year} file, or POPHEALTH_YEAR to the file's survey year.");
    }

    /// <summary>Each profile's marker variables, with those missing from <paramref name="present"/>; one list per profile, never merged.</summary>
    private static string Requirements(IEnumerable<BrfssYearProfile> profiles, HashSet<string> present) =>
        string.Join("; ", profiles.Select(p => $"{p.Name} needs {string.Join(", ", p.Signature)}"
            + (p.Signature.Where(v => !present.Contains(v)).ToList() is { Count: > 0 } missing ? $" (missing {string.Join(", ", missing)})" : "")));

    /// <summary>The 2024 name of a source column under this profile.</summary>
    public string TargetName(string sourceName) => Renames.TryGetValue(sourceName, out var renamed) ? renamed : sourceName;

    /// <summary>Which of the workbook's features the converted columns (2024 names) can support, and how.</summary>
    public IReadOnlyList<FeatureAvailability> Features(IEnumerable<string> convertedColumns)
    {
        var has = new HashSet<string>(convertedColumns, StringComparer.OrdinalIgnoreCase);
        FeatureAvailability Pick(string feature, params (string[] Vars, FeatureSupport Support, string Note)[] options)
        {
            foreach (var (vars, support, note) in options)
                if (vars.All(has.Contains)) return new(feature, support, string.Join(", ", vars), note);
            return new(feature, FeatureSupport.Unavailable, string.Join(" | ", options.Select(o => string.Join("+", o.Vars))), "not in this source");
        }
        var conditions = ConditionItems.Where(has.Contains).ToArray();
        return
        [
            Pick("target (_RFHLTH)", (["_RFHLTH"], FeatureSupport.Exact, "")),
            Pick("age group", (["_AGEG5YR"], FeatureSupport.Exact, "")),
            Pick("education", (["EDUCA"], FeatureSupport.Exact, ""), (["_EDUCAG"], FeatureSupport.ClosestEquivalent, "4 groups instead of 6 levels")),
            Pick("BMI", (["_BMI5"], FeatureSupport.Exact, ""),
                (["_BMI5CAT"], FeatureSupport.ClosestEquivalent, "4 categories instead of continuous BMI")),
            Pick("smoking", (["_SMOKER3"], FeatureSupport.Exact, "")),
            Pick("drinking", (["DRNKANY6"], FeatureSupport.Exact, "")),
            Pick("income", ([IncomeVariable], IncomeVariable == "INCOME3" ? FeatureSupport.Exact : FeatureSupport.ClosestEquivalent,
                IncomeVariable == "INCOME3" ? "" : $"{IncomeVariable}: {IncomeBrackets.Count} brackets, top {IncomeBrackets[^1].Lower:N0}+")),
            Pick("household size", (["HHADULT", "CHILDREN"], FeatureSupport.Exact, "adults + children")),
            conditions.Length == ConditionItems.Count
                ? new("condition count", FeatureSupport.Exact, string.Join(", ", conditions), "all eleven items")
                : conditions.Length > 0 || GroupedConditionItems.Any(has.Contains)
                    ? new("condition count", FeatureSupport.ClosestEquivalent,
                        string.Join(", ", conditions.Concat(GroupedConditionItems.Where(has.Contains)).Distinct()),
                        $"{conditions.Length} of 11 items (grouped items stand in where present)")
                    : new("condition count", FeatureSupport.Unavailable, "", "no chronic-condition items"),
        ];
    }
}
