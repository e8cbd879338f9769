using PopHealth.Ingest;
using PopHealth.Ingest.Census;

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

    /// <summary>Five-year age bands as CDC's <c>_AGEG5YR</c> codes them (1 = 18-24 … 13 = 80+; <see cref="AgeBand.FiveYear"/>):
    /// finer than the report's six, they leave less of the age gradient inside a cell, where only the weights could correct it.</summary>
    public static IReadOnlyList<string> AgeBands { get; } = AgeBand.FiveYear.Select(b => b.Label).ToArray();

    /// <summary>The label of the income level for respondents who did not give their income.</summary>
    public const string UnknownIncome = "unknown";

    private readonly int[] strides;
    private readonly IReadOnlyList<(int Code, string Label)> incomeBands;

    private CellScheme(IReadOnlyList<CellVariable> variables, IReadOnlyList<(int Code, string Label)> incomeBands,
        IReadOnlyList<double?> incomeUppers)
    {
        Variables = variables;
        this.incomeBands = incomeBands;
        IncomeUppers = incomeUppers;
        strides = new int[variables.Count];
        var stride = 1;
        for (var v = variables.Count - 1; v >= 0; v--) { strides[v] = stride; stride *= variables[v].Count; }
        CellCount = stride;
    }

    public IReadOnlyList<CellVariable> Variables { get; }

    /// <summary>Cells (combinations of the variables' levels).</summary>
    public int CellCount { get; }

    /// <summary>The upper dollar bound of each known income level (null: open); the last level, <see cref="UnknownIncome"/>, is not listed.</summary>
    public IReadOnlyList<double?> IncomeUppers { get; }

    /// <summary>
    /// The scheme for a BRFSS year profile over <paramref name="variables"/> (default: all four). Income levels are the report's
    /// income bands for the profile's brackets (<see cref="RespondentGroups.IncomeBands"/>: 2016's INCOME2 gives six, up to
    /// $75k+), plus an own level for "don't know / refused" (about 16 % of adults, who differ from the rest; the frame, built from
    /// raked weights, carries their share, so no imputation is needed). Sex and education levels are the report's too.
    /// </summary>
    public static CellScheme For(BrfssYearProfile profile, IEnumerable<string>? variables = null)
    {
        var names = CheckVariables(variables ?? CensusVariables);
        var bands = RespondentGroups.IncomeBands(profile.IncomeBrackets);
        var labels = bands.Select(b => b.Label).Distinct().ToArray();
        var uppers = labels.Select(l => profile.IncomeBrackets.Where(b => bands.First(x => x.Code == b.Code).Label == l)
            .Select(b => b.Upper).Aggregate((double?)0, (m, u) => m is null || u is null ? null : Math.Max(m.Value, u.Value))).ToArray();
        var all = new Dictionary<string, CellVariable>
        {
            [Age] = new(Age, AgeBands),
            [Sex] = new(Sex, RespondentGroups.Sexes),
            [Education] = new(Education, RespondentGroups.EducationLevels),
            [Income] = new(Income, [.. labels, UnknownIncome]),
        };
        return new CellScheme(CensusVariables.Where(names.Contains).Select(n => all[n]).ToArray(), bands, uppers);
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

    /// <summary>The income level (1-based) of a bracket code of the scheme's profile, or the unknown level for a missing answer.</summary>
    public int IncomeLevel(double? bracketCode)
    {
        var known = IncomeUppers.Count;
        if (bracketCode is not { } code || incomeBands.FirstOrDefault(b => b.Code == code).Label is not { } label) return known + 1;
        var labels = incomeBands.Select(b => b.Label).Distinct().ToList();
        return labels.IndexOf(label) + 1;
    }

    /// <summary>The five-year age band (1–13) of a Census age band label (<see cref="AgeBand.FiveYear"/>), or null for another label.</summary>
    public static int? AgeBandOf(string label)
    {
        for (var b = 0; b < AgeBands.Count; b++) if (AgeBands[b] == label) return b + 1;
        return null;
    }
}
