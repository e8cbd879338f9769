using System.Globalization;
using PopHealth.Ingest;

namespace PopHealth.Population.SmallArea;

/// <summary>One demographic variable of the post-stratification cells and its levels (1-based codes, labels in order).</summary>
/// <param name="Name">The variable's name in options and errors: <c>age</c>, <c>sex</c>, <c>education</c> or <c>income</c>.</param>
public sealed record CellVariable(string Name, IReadOnlyList<string> Levels)
{
    public int Count => Levels.Count;
}

/// <summary>
/// The demographic cells the small-area model works on: age band × sex × education × income, the variables a population
/// table (Census, ACS) can give counts for. Behaviours and conditions are refused: no population table carries them, so
/// a cell built on them could not be post-stratified. Race/ethnicity is a census variable too, but none of the
/// workbook's BRFSS extracts carries it, so it is not offered.
/// </summary>
public sealed class CellScheme
{
    public const string Age = "age";
    public const string Sex = "sex";
    public const string Education = "education";
    public const string Income = "income";

    /// <summary>The census-type variables a scheme may use, in the order cells are indexed.</summary>
    public static IReadOnlyList<string> CensusVariables { get; } = [Age, Sex, Education, Income];

    /// <summary>Five-year age bands as CDC's <c>_AGEG5YR</c> codes them (1 = 18–24 … 13 = 80+); finer bands than 18–24/25–34/…
    /// leave less of the age gradient inside a cell, where only the weights could correct it.</summary>
    public static IReadOnlyList<string> AgeBands { get; } =
        ["18–24", "25–29", "30–34", "35–39", "40–44", "45–49", "50–54", "55–59", "60–64", "65–69", "70–74", "75–79", "80+"];

    public static IReadOnlyList<string> SexLevels { get; } = ["male", "female"];

    /// <summary>CDC's <c>_EDUCAG</c> groups.</summary>
    public static IReadOnlyList<string> EducationLevels { get; } = ["no high-school diploma", "high school", "some college", "college graduate"];

    /// <summary>Dollar cut points for income bands; a profile uses those that are boundaries of its own brackets.</summary>
    private static readonly double[] IncomeCuts = [15_000, 25_000, 35_000, 50_000, 75_000, 100_000];

    private readonly int[] strides;

    private CellScheme(IReadOnlyList<CellVariable> variables, IReadOnlyList<double> incomeBandLowers)
    {
        Variables = variables;
        IncomeBandLowers = incomeBandLowers;
        strides = new int[variables.Count];
        var stride = 1;
        for (var v = variables.Count - 1; v >= 0; v--) { strides[v] = stride; stride *= variables[v].Count; }
        CellCount = stride;
    }

    public IReadOnlyList<CellVariable> Variables { get; }

    /// <summary>Cells (combinations of the variables' levels).</summary>
    public int CellCount { get; }

    /// <summary>The lower dollar bound of each known income band (the last level, "unknown", has none).</summary>
    public IReadOnlyList<double> IncomeBandLowers { get; }

    /// <summary>
    /// The scheme for a BRFSS year profile over <paramref name="variables"/> (default: all four). Income bands are the
    /// profile's brackets merged at $15k, 25k, 35k, 50k, 75k and 100k where those are bracket boundaries (2016's INCOME2:
    /// six bands up to 75k+), plus an own level for "don't know / refused" (about 16 % of adults, who differ from the rest;
    /// the frame, built from raked weights, carries their share, so no imputation is needed).
    /// </summary>
    public static CellScheme For(BrfssYearProfile profile, IEnumerable<string>? variables = null)
    {
        var names = CheckVariables(variables ?? CensusVariables);
        var lowers = IncomeLowers(profile.IncomeBrackets);
        var all = new Dictionary<string, CellVariable>
        {
            [Age] = new(Age, AgeBands),
            [Sex] = new(Sex, SexLevels),
            [Education] = new(Education, EducationLevels),
            [Income] = new(Income, [.. IncomeLabels(lowers), "unknown"]),
        };
        return new CellScheme(CensusVariables.Where(names.Contains).Select(n => all[n]).ToArray(), lowers);
    }

    /// <summary>
    /// Refuses any variable that is not a census-type cell variable, naming every offender: behaviours (smoking, drinking,
    /// BMI) and conditions (diabetes, asthma …) have no population counts, so cells on them cannot be post-stratified.
    /// </summary>
    public static HashSet<string> CheckVariables(IEnumerable<string> variables)
    {
        var list = variables.ToArray();
        var refused = list.Where(v => !CensusVariables.Contains(v, StringComparer.OrdinalIgnoreCase)).Distinct().ToArray();
        if (refused.Length > 0)
            throw new ArgumentException(
                $"Not census cell variables: {string.Join(", ", refused)}. Small-area cells may use only what population tables count " +
                $"({string.Join(", ", CensusVariables)}; race/ethnicity is not in the workbook's extracts), never behaviours or conditions, " +
                "which no population table gives.", nameof(variables));
        if (list.Length == 0) throw new ArgumentException("At least one cell variable is needed.", nameof(variables));
        return new HashSet<string>(list.Select(v => v.ToLowerInvariant()));
    }

    public bool Has(string variable) => Variables.Any(v => v.Name == variable);

    public int IndexOf(string variable)
    {
        for (var v = 0; v < Variables.Count; v++) if (Variables[v].Name == variable) return v;
        return -1;
    }

    /// <summary>The cell of the given levels (1-based, in <see cref="Variables"/> order).</summary>
    public int Cell(ReadOnlySpan<int> levels)
    {
        var cell = 0;
        for (var v = 0; v < strides.Length; v++) cell += (levels[v] - 1) * strides[v];
        return cell;
    }

    /// <summary>The 1-based level of <paramref name="variable"/> (an index into <see cref="Variables"/>) in a cell.</summary>
    public int Level(int cell, int variable) => cell / strides[variable] % Variables[variable].Count + 1;

    /// <summary>The income band (1-based) of a profile's bracket code, or the "unknown" level for a missing answer.</summary>
    public int IncomeBand(BrfssYearProfile profile, double? bracketCode)
    {
        var bracket = bracketCode is { } code ? profile.IncomeBrackets.FirstOrDefault(b => b.Code == code) : null;
        if (bracket is null) return IncomeBandLowers.Count + 1;
        var band = 0;
        while (band + 1 < IncomeBandLowers.Count && IncomeBandLowers[band + 1] <= bracket.Lower) band++;
        return band + 1;
    }

    /// <summary>The five-year age band (1–13) of a single year of age 18+ (Census tables), or null under 18.</summary>
    public static int? AgeBandOfYears(int years) => years < 18 ? null : years < 25 ? 1 : Math.Min(13, (years - 25) / 5 + 2);

    private static double[] IncomeLowers(IReadOnlyList<IncomeBracket> brackets)
    {
        var boundaries = brackets.Select(b => b.Lower).ToHashSet();
        return [0, .. IncomeCuts.Where(boundaries.Contains)];
    }

    private static IEnumerable<string> IncomeLabels(double[] lowers)
    {
        static string K(double d) => (d / 1000).ToString("0", CultureInfo.InvariantCulture);
        if (lowers.Length == 1) yield return "known";
        for (var i = 0; i < lowers.Length && lowers.Length > 1; i++)
            yield return i == 0 ? $"<${K(lowers[1])}k" : i == lowers.Length - 1 ? $"${K(lowers[i])}k+" : $"${K(lowers[i])}–{K(lowers[i + 1])}k";
    }
}
