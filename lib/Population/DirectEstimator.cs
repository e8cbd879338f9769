using System.Globalization;
using System.Text.Json;
using PopHealth.Features;

namespace PopHealth.Population;

/// <summary>How one survey year was estimated.</summary>
/// <param name="Weighted">Design-based (weights, strata, Taylor-linearised SEs, Wald intervals) or unweighted (binomial
/// SEs, Wilson intervals).</param>
/// <param name="Respondents">Rows of the year.</param>
/// <param name="DesignRespondents">Rows with a positive weight (the design); equal to <paramref name="Respondents"/> when unweighted.</param>
/// <param name="Design">One sentence saying how.</param>
public sealed record SurveyYearDesign(int Year, bool Weighted, long Respondents, long DesignRespondents, int Strata, int LonelyStrata, string Design);

/// <summary>
/// A geography's sum of weights against the Census Bureau's adults: <see cref="Coverage"/> = <see cref="WeightSum"/> /
/// <see cref="CensusAdults"/>; <see cref="Partial"/> when below the threshold; both null where the Census has no figure.
/// </summary>
/// <param name="GeoFips">Two-digit FIPS text; null for all respondents.</param>
/// <param name="Respondents">Design respondents (every answer) of the geography.</param>
/// <param name="Basis">Which Census table and population (resident / civilian 18+), or why coverage is unknown.</param>
public sealed record StateCoverage(int Year, string GeoLevel, string? GeoFips, string? GeoAbbr, string Name, long Respondents, double WeightSum,
    double? CensusAdults, double? Coverage, bool? Partial, string Basis);

/// <summary>
/// What <see cref="DirectEstimator.Estimate"/> produced: the extract's rows, the coverage of each state, how each year
/// was estimated, and what the source lacked.
/// </summary>
public sealed record DirectEstimates(string Source, IReadOnlyList<PopulationEstimate> Rows, IReadOnlyList<StateCoverage> Coverage,
    IReadOnlyList<SurveyYearDesign> Designs, IReadOnlyList<string> Statements, DirectEstimateOptions Options)
{
    public const string MetadataPrefix = "pophealth.estimates.";

    /// <summary>Whether any state's coverage is known (the Census tables have the year's adults).</summary>
    public bool CoverageKnown => Coverage.Any(c => c.GeoLevel == PopulationEstimate.StateLevel && c.Coverage is not null);

    /// <summary>Key-value metadata for the extract's Parquet file: source, designs (weighted or not, per year), statements and options.</summary>
    public IReadOnlyDictionary<string, string> Metadata() => new Dictionary<string, string>
    {
        [MetadataPrefix + "source"] = Source,
        [MetadataPrefix + "design"] = JsonSerializer.Serialize(Designs),
        [MetadataPrefix + "statements"] = JsonSerializer.Serialize(Statements),
        [MetadataPrefix + "direct_options"] = JsonSerializer.Serialize(new
        {
            Options.MinRespondents, Options.MaxRelativeStandardError, Options.Confidence, Options.Crossings,
            Lonely = Options.Lonely.ToString(), Options.PartialCoverageBelow,
        }),
    };
}

/// <summary>
/// Direct, design-based estimates of fair or poor health (CDC's <c>_RFHLTH</c> = 2 among 1 and 2) for all respondents and each
/// state, overall and by group (age, sex, income, education and the options' crossings), per survey year; with coverage
/// against the Census Bureau's adults and CDC's suppression rules. A source without weights gets unweighted estimates, one
/// without states the estimates for all respondents; what is missing is said in <see cref="DirectEstimates.Statements"/>.
/// </summary>
public static class DirectEstimator
{
    /// <summary>Estimates from the interim table (01-convert's <c>interim/brfss.parquet</c>).</summary>
    public static async Task<DirectEstimates> EstimateAsync(string interimPath, DirectEstimateOptions? options = null) =>
        Estimate(await RespondentTable.ReadAsync(interimPath), options);

    public static DirectEstimates Estimate(RespondentTable respondents, DirectEstimateOptions? options = null)
    {
        options ??= new DirectEstimateOptions();
        var crossings = options.Check(respondents.Groups.Select(g => g.Name).ToArray());
        var statements = new List<string>(respondents.Notes);
        foreach (var c in options.Crossings.Where(c => crossings.All(k => k.Name != c)))
            statements.Add($"Crossing '{c}' not estimated: the source lacks one of its dimensions.");
        var census = options.CensusTables;
        var rows = new List<PopulationEstimate>();
        var coverage = new List<StateCoverage>();
        var designs = new List<SurveyYearDesign>();
        foreach (var year in respondents.Year.Distinct().Order())
        {
            var part = YearPart.Of(respondents, year, crossings, options.Lonely, statements);
            designs.Add(part.Describe(options));
            var covered = Coverages.Of(part, census, options, statements);
            coverage.AddRange(covered);
            rows.AddRange(part.Estimate(options, covered));
        }
        return new DirectEstimates(respondents.Source, rows, coverage, designs, statements, options);
    }

    /// <summary>
    /// One survey year's respondents: the outcome, design, states (indexed; −1 none) and dimensions (levels indexed; −1 unknown).
    /// </summary>
    internal sealed class YearPart
    {
        public required int Year { get; init; }
        public required double?[] Outcome { get; init; }
        public required double?[]? Weight { get; init; }
        public required SurveyDesign? Design { get; init; }
        public required UsState[] States { get; init; }
        public required int[] StateOf { get; init; }
        public required (string Name, string[] Levels, int[] Level)[] Dimensions { get; init; }
        public int Rows => Outcome.Length;

        public static YearPart Of(RespondentTable table, int year, (string Name, string First, string Second)[] crossings, LonelyStratum lonely,
            List<string> statements)
        {
            var rows = Enumerable.Range(0, table.Rows).Where(i => table.Year[i] == year).ToArray();
            T[]? Take<T>(IReadOnlyList<T>? column) => column is null ? null : rows.Select(i => column[i]).ToArray();
            var weight = Take(table.Weight);
            var (states, stateOf) = IndexStates(Take(table.State), year, statements);
            var dimensions = new List<(string Name, string[] Levels, int[] Level)> { ("all", [PopulationEstimate.AllGroups], new int[rows.Length]) };
            foreach (var g in table.Groups)
            {
                var levels = g.Levels.ToArray();
                dimensions.Add((g.Name, levels, rows.Select(i => g.Values[i] is { } v ? Array.IndexOf(levels, v) : -1).ToArray()));
            }
            foreach (var (name, first, second) in crossings)
            {
                var (a, b) = (dimensions.First(d => d.Name == first), dimensions.First(d => d.Name == second));
                dimensions.Add((name, a.Levels.SelectMany(x => b.Levels.Select(y => x + PopulationEstimate.CrossingSeparator + y)).ToArray(),
                    a.Level.Select((l, i) => l < 0 || b.Level[i] < 0 ? -1 : l * b.Levels.Length + b.Level[i]).ToArray()));
            }
            return new YearPart
            {
                Year = year, Outcome = Take(table.FairPoor)!, Weight = weight, States = states, StateOf = stateOf, Dimensions = [.. dimensions],
                Design = weight is null ? null : SurveyDesign.Create(weight, Take(table.Stratum), lonely),
            };
        }

        /// <summary>The states present (BRFSS's codes), each row's index among them; unknown codes and rows without a state named.</summary>
        private static (UsState[] States, int[] StateOf) IndexStates(double?[]? codes, int year, List<string> statements)
        {
            if (codes is null) return ([], []);
            var known = codes.Select(UsStates.Find).ToArray();
            foreach (var stray in codes.Where((c, i) => c is not null && known[i] is null).GroupBy(c => c!.Value).OrderBy(g => g.Key))
                statements.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{year}: _STATE code {stray.Key:R} ({stray.Count():N0} respondents) is not a US state or territory code: " +
                    $"they count in the 'all' estimates and in no state's."));
            if (codes.Count(c => c is null) is var none and > 0)
                statements.Add($"{year}: {none:N0} respondents have no _STATE: they count in the 'all' estimates and in no state's.");
            var states = known.OfType<UsState>().Distinct().OrderBy(s => s.Fips).ToArray();
            var index = states.Select((s, k) => (s, k)).ToDictionary(x => x.s.Fips, x => x.k);
            return (states, known.Select(s => s is null ? -1 : index[s.Fips]).ToArray());
        }

        public SurveyYearDesign Describe(DirectEstimateOptions options)
        {
            if (Design is not { } d)
                return new(Year, false, Rows, Rows, 0, 0, "unweighted: every respondent counts once; binomial standard errors and Wilson intervals");
            var lonely = options.Lonely == LonelyStratum.Adjust ? "centred at the grand mean (R survey's lonely.psu = \"adjust\")"
                : "adding nothing (R survey's lonely.psu = \"certainty\")";
            var strata = d.Stratified ? $"{d.Strata:N0} strata (_STSTR), {d.LonelyStrata:N0} with a single respondent, {lonely}"
                : "one stratum (no _STSTR)";
            return new(Year, true, Rows, d.DesignRows, d.Strata, d.LonelyStrata,
                $"design-based: weights _LLCPWT, {strata}, each respondent its own PSU; Taylor-linearised standard errors; "
                + $"Wald intervals clipped to 0-100 %"
                + (d.DesignRows < Rows ? $"; {Rows - d.DesignRows:N0} respondents without a positive weight left out" : ""));
        }

        public IEnumerable<PopulationEstimate> Estimate(DirectEstimateOptions options, IReadOnlyList<StateCoverage> coverage)
        {
            var all = coverage.FirstOrDefault(c => c.GeoLevel == PopulationEstimate.AllLevel);
            var ofState = coverage.Where(c => c.GeoLevel == PopulationEstimate.StateLevel).ToDictionary(c => c.GeoFips!);
            var geographies = new List<(int[] Geo, Func<int, (string Level, UsState? State, StateCoverage? Coverage)> Describe, int Count)>
                { (new int[Rows], _ => (PopulationEstimate.AllLevel, null, all), 1) };
            if (States.Length > 0)
                geographies.Add((StateOf, k => (PopulationEstimate.StateLevel, States[k], ofState.GetValueOrDefault(States[k].FipsText)),
                    States.Length));
            foreach (var (geo, describe, count) in geographies)
                foreach (var (name, levels, level) in Dimensions)
                {
                    var domain = new int[Rows];
                    for (var i = 0; i < Rows; i++) domain[i] = geo[i] < 0 || level[i] < 0 ? -1 : geo[i] * levels.Length + level[i];
                    var estimates = Domains(domain, count * levels.Length, options);
                    for (var k = 0; k < estimates.Length; k++)
                    {
                        if (estimates[k].N == 0) continue;
                        var (geoLevel, state, covered) = describe(k / levels.Length);
                        yield return estimates[k].Row(Year, geoLevel, state, name, levels[k % levels.Length], covered, options);
                    }
                }
        }

        private DomainEstimate[] Domains(int[] domain, int count, DirectEstimateOptions options)
        {
            var result = new DomainEstimate[count];
            if (Design is { } design)
            {
                var means = design.Means(Outcome, domain, count);
                var population = new double[count];
                for (var i = 0; i < Rows; i++)
                    if (domain[i] >= 0 && Weight![i] is { } w && double.IsFinite(w) && w > 0) population[domain[i]] += w;
                for (var k = 0; k < count; k++) result[k] = new(means[k].Respondents, means[k].Mean, means[k].StandardError, population[k], true);
                return result;
            }
            var (n, yes) = (new long[count], new long[count]);
            for (var i = 0; i < Rows; i++)
                if (domain[i] >= 0 && Outcome[i] is { } y) { n[domain[i]]++; yes[domain[i]] += y == 1 ? 1 : 0; }
            for (var k = 0; k < count; k++)
            {
                var p = n[k] == 0 ? double.NaN : yes[k] / (double)n[k];
                result[k] = new(n[k], p, n[k] == 0 ? double.NaN : Math.Sqrt(p * (1 - p) / n[k]), null, false, yes[k]);
            }
            return result;
        }
    }

    /// <summary>One domain's numbers, made into an extract row with its interval and suppression.</summary>
    private readonly record struct DomainEstimate(long N, double Share, double Se, double? Population, bool Weighted, long Yes = 0)
    {
        public PopulationEstimate Row(int year, string geoLevel, UsState? state, string dimension, string value, StateCoverage? coverage,
            DirectEstimateOptions options)
        {
            var reason = options.SuppressionReason(N, Share, Se);
            double? low = null, high = null;
            if (reason is null)
                (low, high) = Weighted ? (Math.Max(0, Share - options.Z * Se), Math.Min(1, Share + options.Z * Se))
                    : Exploration.Wilson(Yes, N, options.Z);
            return new PopulationEstimate(year, geoLevel, state?.FipsText, state?.Abbreviation, dimension, value, PopulationEstimate.FairPoorHealth,
                PopulationEstimate.Direct, reason is null ? 100 * Share : null, 100 * low, 100 * high, reason is null ? 100 * Se : null, N,
                Population, reason is not null, reason, coverage?.Coverage, coverage?.Partial, null);
        }
    }
}
