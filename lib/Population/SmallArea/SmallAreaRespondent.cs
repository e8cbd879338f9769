using PopHealth.Ingest;
using PopHealth.Ingest.Codebook;
using PopHealth.Workbook;

namespace PopHealth.Population.SmallArea;

/// <summary>
/// One survey respondent as the small-area model sees it: the state (FIPS code), the census-type cell levels (1-based, as
/// <see cref="CellScheme"/> codes them; null = unknown), the outcome (fair or poor health; null = unknown), the final weight
/// and the design stratum (for the direct estimate and the frame's composition).
/// </summary>
public sealed record SmallAreaRespondent(int State, int? Age, int? Sex, int? Education, int? Income, bool? FairPoor, double? Weight, double? Stratum)
{
    /// <summary>This respondent's level of a scheme variable (null = unknown).</summary>
    public int? LevelOf(string variable) => variable switch
    {
        CellScheme.Age => Age,
        CellScheme.Sex => Sex,
        CellScheme.Education => Education,
        CellScheme.Income => Income,
        _ => throw new ArgumentException($"'{variable}' is not a cell variable.", nameof(variable)),
    };

    /// <summary>The respondent's cell under <paramref name="scheme"/>, or null when any of its variables is unknown.</summary>
    public int? CellIn(CellScheme scheme)
    {
        Span<int> levels = stackalloc int[scheme.Variables.Count];
        for (var v = 0; v < levels.Length; v++)
        {
            if (LevelOf(scheme.Variables[v].Name) is not { } level) return null;
            if (level < 1 || level > scheme.Variables[v].Count)
                throw new ArgumentOutOfRangeException(nameof(scheme), level,
                    $"{scheme.Variables[v].Name} level {level} is outside 1–{scheme.Variables[v].Count}.");
            levels[v] = level;
        }
        return scheme.Cell(levels);
    }
}

/// <summary>Reads small-area respondents from the workbook's converted BRFSS table (<c>interim/brfss.parquet</c>).</summary>
public static class SmallAreaRespondents
{
    /// <summary>
    /// Every row of <paramref name="table"/> as a respondent (none is dropped here; unknown values stay null): state from
    /// <c>_STATE</c>, age band from <c>_AGEG5YR</c>, sex from <c>_SEX</c>, education from <c>_EDUCAG</c> (else <c>EDUCA</c>
    /// grouped the same way), income level from the profile's income variable (missing answers → the "unknown" level), outcome
    /// from <c>_RFHLTH</c>, weight <c>_LLCPWT</c>, stratum <c>_STSTR</c> (a single stratum when absent).
    /// </summary>
    public static IReadOnlyList<SmallAreaRespondent> FromBrfss(BrfssTable table, CellScheme scheme)
    {
        double?[] Column(string name) => table.Has(name) ? table.Frame.Numbers(name)
            : throw new InvalidDataException($"{table.Source}: no column '{name}', which small-area estimates need; " +
                $"convert a BRFSS file that has it.");
        var state = Column("_STATE");
        var age = Clean(Column("_AGEG5YR"), "_AGEG5YR");
        var sex = Clean(Column("_SEX"), "_SEX");
        var education = table.Has("_EDUCAG") ? Clean(Column("_EDUCAG"), "_EDUCAG")
            : Column("EDUCA").Select(e => (double?)RespondentGroups.EducationLevelOfEduca(e)).ToArray();
        var income = Column(table.Profile.IncomeVariable);
        var outcome = Clean(Column("_RFHLTH"), "_RFHLTH");
        var weight = Column("_LLCPWT");
        var stratum = table.Has("_STSTR") ? Column("_STSTR") : null;
        var rows = new SmallAreaRespondent[state.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            if (state[i] is not { } s) throw new InvalidDataException($"{table.Source}: row {i + 1} has no _STATE; every respondent needs a state.");
            rows[i] = new SmallAreaRespondent((int)s, Level(age[i], 13), Level(sex[i], 2), Level(education[i], 4),
                scheme.IncomeLevel(BrfssCodes.Clean(table.Profile.IncomeVariable, income[i])),
                outcome[i] switch { 2 => true, 1 => false, _ => null }, weight[i] is > 0 ? weight[i] : null, stratum?[i] ?? 0);
        }
        return rows;
    }

    private static double?[] Clean(double?[] values, string variable) => values.Select(v => BrfssCodes.Clean(variable, v)).ToArray();

    private static int? Level(double? code, int levels) => code is { } c && c >= 1 && c <= levels && c == Math.Floor(c) ? (int)c : null;
}
