namespace PopHealth.Ingest.Codebook;

/// <summary>
/// CDC's answer codes for the variables the workbook uses (2024 names; 2016's renamed variables share
/// them): which codes mean "don't know / refused / not asked" and which mean "none" (counted as 0).
/// </summary>
public static class BrfssCodes
{
    private static readonly Dictionary<string, (double[] Missing, double? NoneCode)> Rules = new(StringComparer.OrdinalIgnoreCase)
    {
        ["GENHLTH"] = ([7, 9], null),
        ["_RFHLTH"] = ([9], null),
        ["POORHLTH"] = ([77, 99], 88),
        ["PHYSHLTH"] = ([77, 99], 88),
        ["MENTHLTH"] = ([77, 99], 88),
        ["_AGEG5YR"] = ([14], null),
        ["_SEX"] = ([7, 9], null),
        ["EDUCA"] = ([9], null),
        ["_EDUCAG"] = ([9], null),
        ["INCOME3"] = ([77, 99], null),
        ["INCOME2"] = ([77, 99], null),
        ["_INCOMG1"] = ([9], null),
        ["_INCOMG"] = ([9], null),
        ["_SMOKER3"] = ([9], null),
        ["DRNKANY6"] = ([7, 9], null),
        ["_RFBING6"] = ([9], null),
        ["_RFDRHV9"] = ([9], null),
        ["CHILDREN"] = ([99], 88),
        ["HHADULT"] = ([77, 99], null),
        ["NUMADULT"] = ([77, 99], null),
        ["_TOTINDA"] = ([9], null),
        ["_HCVU654"] = ([9], null),
        ["MARITAL"] = ([9], null),
        ["EMPLOY1"] = ([9], null),
        ["CVDINFR4"] = ([7, 9], null),
        ["CVDCRHD4"] = ([7, 9], null),
        ["CVDSTRK3"] = ([7, 9], null),
        ["ASTHMA3"] = ([7, 9], null),
        ["CHCSCNC1"] = ([7, 9], null),
        ["CHCOCNC1"] = ([7, 9], null),
        ["CHCCOPD3"] = ([7, 9], null),
        ["ADDEPEV3"] = ([7, 9], null),
        ["CHCKDNY2"] = ([7, 9], null),
        ["HAVARTH4"] = ([7, 9], null),
        ["DIABETE4"] = ([7, 9], null),
    };

    /// <summary>The codes of <paramref name="variable"/> that mean the answer is unknown (empty when none are known).</summary>
    public static IReadOnlyList<double> MissingCodes(string variable) => Rules.TryGetValue(variable, out var r) ? r.Missing : [];

    /// <summary>The code of <paramref name="variable"/> that means "none" (88 for counts), or null.</summary>
    public static double? NoneCode(string variable) => Rules.TryGetValue(variable, out var r) ? r.NoneCode : null;

    /// <summary>The answer with missing codes as null and the "none" code as 0.</summary>
    public static double? Clean(string variable, double? value)
    {
        if (value is not { } v || double.IsNaN(v)) return null;
        if (!Rules.TryGetValue(variable, out var rule)) return v;
        if (Array.IndexOf(rule.Missing, v) >= 0) return null;
        return rule.NoneCode == v ? 0 : v;
    }

    /// <summary>Whether a chronic-condition item says "yes" (code 1; for DIABETE4 the other codes are pregnancy-only, no and pre-diabetes).</summary>
    public static bool? ConditionYes(string variable, double? value) => Clean(variable, value) switch
    {
        null => null,
        1 => true,
        _ => false,
    };
}
