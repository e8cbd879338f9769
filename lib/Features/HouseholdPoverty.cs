using PopHealth.Ingest;
using PopHealth.Ingest.Census;

namespace PopHealth.Features;

/// <summary>Household size and income relative to the poverty line, done the way the census table is built.</summary>
public static class HouseholdPoverty
{
    /// <summary>Top-bracket incomes are valued at this multiple of the bracket's lower bound (e.g. $200,000+ → $300,000).</summary>
    public const double TopBracketMultiple = 1.5;

    /// <summary>
    /// People in the household: adults + children (the census table is by family size, not by adults, which
    /// was the original's mistake). Null when the number of adults is unknown or zero.
    /// </summary>
    public static int? HouseholdSize(double? adults, double? children)
    {
        if (adults is not { } a || a < 1) return null;
        var c = children is { } k && k > 0 ? k : 0;
        return (int)(a + c);
    }

    /// <summary>A bracket's income in dollars: its midpoint, or <see cref="TopBracketMultiple"/> × the lower bound of the open top bracket.</summary>
    public static double? BracketDollars(double? code, IReadOnlyList<IncomeBracket> brackets)
    {
        if (code is not { } c) return null;
        var bracket = brackets.FirstOrDefault(b => b.Code == c);
        if (bracket is null) return null;
        return bracket.Upper is { } upper ? (bracket.Lower + upper) / 2 : bracket.Lower * TopBracketMultiple;
    }

    /// <summary>
    /// Income-to-poverty ratio: the bracket's dollars over the threshold for the household's size, its
    /// children and (for one and two people) whether the respondent is 65 or older. Null when any part is unknown.
    /// </summary>
    public static double? PovertyRatio(double? incomeCode, IReadOnlyList<IncomeBracket> brackets, int? householdSize, double? children,
        bool? householder65Plus, PovertyThresholdTable thresholds)
    {
        if (BracketDollars(incomeCode, brackets) is not { } dollars || householdSize is not { } size) return null;
        var kids = children is { } k && k > 0 ? (int)k : 0;
        return dollars / thresholds.Lookup(size, Math.Min(kids, size - 1), householder65Plus);
    }

    /// <summary>
    /// The original project's <c>income_adj_pov</c> lookup, quirks included: its long table lists the one- and
    /// two-person weighted averages first, then the wide table melted column by column (children 0…8+,
    /// sizes 3…9+ within); each threshold is floored to $5,000, cut into the INCOME3 brackets (right-closed)
    /// and the bracket labels renumbered in order of first appearance from 2 (pandas <c>factorize</c> + 2).
    /// Keyed by (adults, children) because it joined on the number of adults.
    /// </summary>
    public static IReadOnlyDictionary<(int Adults, int Children), int> OriginalPovertyCodes(PovertyThresholdTable table)
    {
        double WeightedAverage(int size) => table.WeightedAverages.FirstOrDefault(w => w.FamilySize == size && w.Age == HouseholderAge.All)?.Dollars
            ?? throw new InvalidDataException($"{table.Source}: the original's recipe needs the weighted average for {size} person(s), " +
                $"which this table lacks.");
        var rows = new List<(int Adults, int Children, double Threshold)>
        {
            (1, 0, WeightedAverage(1)), (2, 0, WeightedAverage(2)), (2, 1, WeightedAverage(2)),
        };
        for (var children = 0; children <= PovertyThresholdTable.MaxRelatedChildren; children++)
            for (var size = 3; size <= PovertyThresholdTable.MaxFamilySize; size++)
                if (table.Thresholds.FirstOrDefault(t => t.FamilySize == size && t.RelatedChildren == children
                    && t.Age == HouseholderAge.All) is { } cell)
                    rows.Add((size, children, cell.Dollars));
        double[] edges = [0, 10_000, 15_000, 20_000, 25_000, 35_000, 50_000, 75_000, 100_000, 150_000, 200_000, double.PositiveInfinity];
        var order = new List<int>();
        var codes = new Dictionary<(int, int), int>();
        foreach (var (adults, children, threshold) in rows)
        {
            var floored = Math.Floor(threshold / 5000.0) * 5000.0;
            var bin = Enumerable.Range(1, edges.Length - 1).First(i => floored > edges[i - 1] && floored <= edges[i]);
            if (!order.Contains(bin)) order.Add(bin);
            codes[(adults, children)] = order.IndexOf(bin) + 2;
        }
        return codes;
    }
}
