using System.Globalization;
using PopHealth.Ingest.Census;

namespace PopHealth.Population;

/// <summary>
/// Coverage of one survey year's weights: each state's sum of weights over the Census Bureau's adults of that state and year
/// (<see cref="CensusPopulation.Adults"/>), and all respondents' over the United States' adults (50 states and DC, plus Puerto
/// Rico's when the source has Puerto Rico; respondents of an area without a Census figure left out of the sum). BRFSS weights
/// are raked to each state's adults, so a state whose whole sample is present covers about 1; less means part of its sample is
/// missing, and its direct estimate is not the state's figure (flagged partial).
/// </summary>
internal static class Coverages
{
    public static IReadOnlyList<StateCoverage> Of(DirectEstimator.YearPart part, CensusPopulation census, DirectEstimateOptions options,
        List<string> statements)
    {
        if (part.Weight is not { } weight) return [];
        var (sums, counts) = (new double[part.States.Length], new long[part.States.Length]);
        double total = 0;
        long respondents = 0;
        for (var i = 0; i < part.Rows; i++)
        {
            if (weight[i] is not { } w || !double.IsFinite(w) || w <= 0) continue;
            (total, respondents) = (total + w, respondents + 1);
            if (part.StateOf.Length > 0 && part.StateOf[i] >= 0)
                (sums[part.StateOf[i]], counts[part.StateOf[i]]) = (sums[part.StateOf[i]] + w, counts[part.StateOf[i]] + 1);
        }
        var states = part.States
            .Select((s, k) => Cover(part.Year, PopulationEstimate.StateLevel, s, s.Name, counts[k], sums[k],
                census.FindAdults(part.Year, s.Fips, out var why), why, options)).ToArray();
        var uncovered = states.Where(c => c.CensusAdults is null).Sum(c => c.WeightSum);
        var (us, whyNot) = (census.FindAdults(part.Year, 0, out var missing), missing);
        var pr = part.States.Any(s => s.Fips == 72) ? census.FindAdults(part.Year, 72, out _) : null;
        var all = Cover(part.Year, PopulationEstimate.AllLevel, null, "all respondents", respondents, total - uncovered,
            us is null ? null
                : us with { Adults = us.Adults + (pr?.Adults ?? 0), Basis = us.Basis + (pr is null ? "" : $"; Puerto Rico {pr.Basis}") }, whyNot,
                options);
        Tell(part.Year, census, states, all, options, statements);
        return [all, .. states];
    }

    private static StateCoverage Cover(int year, string level, UsState? state, string name, long respondents, double sum, StateAdults? adults,
        string? missing, DirectEstimateOptions options)
    {
        var coverage = adults is null ? (double?)null : sum / adults.Adults;
        return new StateCoverage(year, level, state?.FipsText, state?.Abbreviation, name, respondents, sum, adults?.Adults, coverage,
            coverage is { } c ? c < options.PartialCoverageBelow : null, adults?.Basis ?? $"coverage unknown: {missing}");
    }

    private static void Tell(int year, CensusPopulation census, StateCoverage[] states, StateCoverage all, DirectEstimateOptions options,
        List<string> statements)
    {
        string Share(StateCoverage c) => string.Create(CultureInfo.InvariantCulture, $"{c.GeoAbbr ?? "all"} {c.Coverage:0.000}");
        if (census.StatesOf(year).Count == 0)
        {
            statements.Add($"{year}: the Census tables shipped here have no adults for {year} (they hold {string.Join(", ", census.Years)}): " +
                $"coverage unknown, no state flagged partial.");
            return;
        }
        foreach (var unknown in states.Where(c => c.Coverage is null))
            statements.Add($"{year}: {unknown.Name} ({unknown.GeoAbbr}): {unknown.Basis}");
        var partial = states.Where(c => c.Partial == true).OrderBy(c => c.Coverage).ToArray();
        if (partial.Length > 0)
            statements.Add(string.Create(CultureInfo.InvariantCulture,
                $"{year}: {partial.Length} partial state(s), whose weights cover less than {options.PartialCoverageBelow:P0} of their Census "
                + $"adults: {string.Join(", ", partial.Select(Share))}.")
                + " Their direct estimates describe the respondents present, not the state: every row of theirs carries partial = true.");
        if (all.Partial == true)
            statements.Add(string.Create(CultureInfo.InvariantCulture,
                $"{year}: all respondents' weights cover {all.Coverage:P0} of the United States' adults: the 'all' estimates describe the source, " +
                $"not the nation (partial = true)."));
    }
}
