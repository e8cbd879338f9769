using PopHealth.Ingest.Census;
using PopHealth.Workbook;

namespace PopHealth.Population.SmallArea;

/// <summary>Where a state's cell counts come from.</summary>
public enum FrameSource
{
    /// <summary>Census age × sex counts; education × income within age × sex from the state's own weights (its whole sample is present).</summary>
    CensusWithOwnWeights,
    /// <summary>Census age × sex counts; education × income within age × sex from the state's partial sample's weights, shrunk
    /// towards the pooled weights of the fully present states (<see cref="FrameOptions.PartialShrinkage"/>).</summary>
    CensusWithPartialWeights,
    /// <summary>Census age × sex counts; education × income within age × sex from the pooled weights of the fully present states
    /// (the state has no respondents).</summary>
    CensusWithPooledWeights,
    /// <summary>No Census age × sex table for the state: every cell from its own weights, scaled to the Census adult count
    /// (Puerto Rico in 2016).</summary>
    OwnWeightsScaledToCensusAdults,
    /// <summary>No Census age × sex table and a partial sample: its cells shrunk towards the pooled ones, scaled to the Census adults.</summary>
    PartialWeightsScaledToCensusAdults,
    /// <summary>No Census age × sex table and no respondents: the pooled cells scaled to the Census adult count.</summary>
    PooledWeightsScaledToCensusAdults,
    /// <summary>No Census count at all (Guam, the US Virgin Islands): the state's own weights as they are, unchecked.</summary>
    OwnWeightsOnly,
}

/// <summary>One state's post-stratification cells.</summary>
/// <param name="Coverage">Sum of the state's weights over its Census adults 18+ (NaN when the Census has no count for it).</param>
/// <param name="Counts">Adults in each cell of the scheme, indexed by <see cref="CellScheme.Cell"/>.</param>
public sealed record StateFrame(int State, FrameSource Source, double Coverage, IReadOnlyList<double> Counts)
{
    /// <summary>Whether the state's whole sample is present (its own weights describe its population).</summary>
    public bool FullyPresent => Source is FrameSource.CensusWithOwnWeights or FrameSource.OwnWeightsScaledToCensusAdults;

    public double Adults => Counts.Sum();
}

/// <summary>How the frame is built.</summary>
/// <param name="FullCoverageLow">A state is fully present when its weights sum to at least this share of its Census adults 18+ …</param>
/// <param name="FullCoverageHigh">… and at most this share.</param>
/// <param name="PartialShrinkage">Pseudo-respondents of the pooled composition added to each age × sex margin of a partial
/// state's own. Measured on the fully present 2016 states: the share without a high-school diploma from only their cell-phone
/// respondents (as a partial state that lost its landline sample) misses the whole sample's by 1.6–2.3 points with 300–3,000
/// respondents and 20 pseudo-respondents (2.2–1.8 with none), against 3.2 points for the pooled composition.</param>
public sealed record FrameOptions(double FullCoverageLow = 0.97, double FullCoverageHigh = 1.05, double PartialShrinkage = 20);

/// <summary>
/// The population of each state by demographic cell, onto which model predictions are post-stratified. Census age × sex
/// counts are used where the Census has them; the rest of the cell (education × income, and the unknown-income share) comes
/// from BRFSS weights within age × sex, which are raked to census margins: the state's own when its whole sample is present;
/// its own shrunk towards the pooled weights of the fully present states when only part of its sample is (a part's weights
/// do not add up to the state, but its mix within age × sex is still far closer to the state's than the pooled mix); the
/// pooled weights when it has no respondents. <see cref="StateFrame.Source"/> records which, per state.
/// </summary>
public sealed class PostStratificationFrame
{
    private readonly Dictionary<int, StateFrame> states;

    /// <summary>The sources of a fully present, a partial and a respondent-less state, with a Census age × sex table or with adults only.</summary>
    private static readonly FrameSource[] WithCensus = [FrameSource.CensusWithOwnWeights, FrameSource.CensusWithPartialWeights,
        FrameSource.CensusWithPooledWeights];
    private static readonly FrameSource[] WithAdultsOnly =
        [FrameSource.OwnWeightsScaledToCensusAdults, FrameSource.PartialWeightsScaledToCensusAdults, FrameSource.PooledWeightsScaledToCensusAdults];

    public PostStratificationFrame(CellScheme scheme, IEnumerable<StateFrame> frames)
    {
        Scheme = scheme;
        states = new Dictionary<int, StateFrame>();
        foreach (var frame in frames)
        {
            if (frame.Counts.Count != scheme.CellCount)
                throw new ArgumentException($"State {frame.State}: {frame.Counts.Count} cell counts for a scheme of {scheme.CellCount} cells.",
                    nameof(frames));
            if (frame.Counts.Any(c => c < 0 || double.IsNaN(c)))
                throw new ArgumentException($"State {frame.State}: a cell count is negative or not a number.", nameof(frames));
            if (!states.TryAdd(frame.State, frame)) throw new ArgumentException($"State {frame.State} is in the frame twice.", nameof(frames));
        }
    }

    public CellScheme Scheme { get; }

    public IReadOnlyList<StateFrame> States => states.Values.OrderBy(s => s.State).ToArray();

    public StateFrame? this[int state] => states.GetValueOrDefault(state);

    /// <summary>
    /// The frame of <paramref name="year"/> from the Census tables: adults by five-year age band and sex where the tables have
    /// them for the year (otherwise every state's cells come from weights, scaled to its Census adults where known), and
    /// adults 18+ for coverage.
    /// </summary>
    public static PostStratificationFrame Build(CellScheme scheme, IReadOnlyList<SmallAreaRespondent> respondents, CensusPopulation census, int year,
        FrameOptions? options = null)
    {
        IReadOnlyList<AdultsCell> ageSex;
        try { ageSex = census.AdultsByAgeSex(year, AgeBand.FiveYear); }
        catch (KeyNotFoundException) { ageSex = []; }
        var adults = new Dictionary<int, double>();
        foreach (var state in respondents.Select(r => r.State).Concat(ageSex.Select(c => c.StateFips)).Distinct())
            if (census.FindAdults(year, state, out _) is { } found) adults[state] = found.Adults;
        return Build(scheme, respondents, ageSex, adults, options);
    }

    /// <summary>
    /// Builds the frame for every state (a BRFSS state code, <see cref="UsStates"/>) with respondents or Census counts.
    /// <paramref name="adults"/> (Census adults 18+ by state) decides which states are fully present (the sum of all
    /// their respondents' weights over their adults); <paramref name="census"/> gives adults by five-year age band
    /// (<see cref="AgeBand.FiveYear"/> labels) and sex. Respondents with an unknown age, sex or education add nothing
    /// to the composition (their share is spread over the known cells).
    /// </summary>
    public static PostStratificationFrame Build(CellScheme scheme, IReadOnlyList<SmallAreaRespondent> respondents,
        IReadOnlyList<AdultsCell> census, IReadOnlyDictionary<int, double> adults, FrameOptions? options = null)
    {
        options ??= new FrameOptions();
        var composition = new Composition(scheme);
        var (weighted, counted) = Composition.Weigh(scheme, respondents);
        var totals = respondents.Where(r => r.Weight is > 0).GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Sum(r => r.Weight!.Value));
        var coverage = weighted.Keys.ToDictionary(s => s,
            s => adults.TryGetValue(s, out var a) && a > 0 ? totals.GetValueOrDefault(s) / a : double.NaN);
        var full = coverage.Where(c => c.Value >= options.FullCoverageLow && c.Value <= options.FullCoverageHigh).Select(c => c.Key).ToHashSet();
        var pooled = new double[scheme.CellCount];
        foreach (var s in full) for (var c = 0; c < pooled.Length; c++) pooled[c] += weighted[s][c];
        var censusCells = composition.CensusCells(census);
        var frames = new List<StateFrame>();
        foreach (var state in weighted.Keys.Union(censusCells.Keys).Where(s => UsStates.Find(s) is not null).Order())
        {
            var own = weighted.GetValueOrDefault(state);
            var cover = coverage.TryGetValue(state, out var c) ? c : adults.ContainsKey(state) ? 0 : double.NaN;
            var kind = full.Contains(state) ? 0 : own is not null && own.Sum() > 0 ? 1 : 2; // fully present, partial, no respondents
            var shrinkage = kind == 0 ? 0 : options.PartialShrinkage;
            var (ownWeights, ownCounts) = kind == 2 ? (pooled, new double[pooled.Length]) : (own!, counted[state]);
            if (censusCells.TryGetValue(state, out var margins))
                frames.Add(new StateFrame(state, WithCensus[kind], cover,
                    Composition.Within(composition.Margin, m => margins.GetValueOrDefault(m), ownWeights, ownCounts, pooled, shrinkage)));
            else if (adults.TryGetValue(state, out var total))
                frames.Add(new StateFrame(state, WithAdultsOnly[kind], cover,
                    Composition.Within(_ => (0, 0), _ => total, ownWeights, ownCounts, pooled, shrinkage)));
            else if (own is not null)
                frames.Add(new StateFrame(state, FrameSource.OwnWeightsOnly, double.NaN, own));
        }
        return new PostStratificationFrame(scheme, frames);
    }

    /// <summary>
    /// Writes the frame as a long CSV (state, source, one column per cell variable with 1-based levels, adults), for
    /// peers such as R.
    /// </summary>
    public void WriteCsv(string path)
    {
        IReadOnlyList<object?> Row(StateFrame frame, int cell) =>
            [frame.State, frame.Source, .. Enumerable.Range(0, Scheme.Variables.Count).Select(v => (object)Scheme.Level(cell, v)),
                frame.Counts[cell]];
        CsvText.WriteFile(path, ["state", "source", .. Scheme.Variables.Select(v => v.Name), "adults"],
            States.SelectMany(frame => Enumerable.Range(0, Scheme.CellCount).Where(c => frame.Counts[c] > 0).Select(c => Row(frame, c))));
    }

    /// <summary>The census part of a cell (its age band and sex, when the scheme has them) and the composition within it.</summary>
    private sealed class Composition(CellScheme scheme)
    {
        private readonly int age = scheme.IndexOf(CellScheme.Age), sex = scheme.IndexOf(CellScheme.Sex);

        /// <summary>The census margin a cell belongs to: (age band, sex), 0 for a variable the scheme lacks.</summary>
        public (int Age, int Sex) Margin(int cell) => (age < 0 ? 0 : scheme.Level(cell, age), sex < 0 ? 0 : scheme.Level(cell, sex));

        /// <summary>Sum of weights, and respondents, per state and cell over respondents with a known cell and a weight.</summary>
        public static (Dictionary<int, double[]> Weights, Dictionary<int, double[]> Respondents) Weigh(CellScheme scheme,
            IReadOnlyList<SmallAreaRespondent> respondents)
        {
            var sums = new Dictionary<int, double[]>();
            var counts = new Dictionary<int, double[]>();
            foreach (var r in respondents)
            {
                if (!sums.TryGetValue(r.State, out var cells))
                {
                    sums[r.State] = cells = new double[scheme.CellCount];
                    counts[r.State] = new double[scheme.CellCount];
                }
                if (r.Weight is > 0 and var w && r.CellIn(scheme) is { } c)
                {
                    cells[c] += w;
                    counts[r.State][c]++;
                }
            }
            return (sums, counts);
        }

        /// <summary>Census adults per state and margin (the scheme's age band and sex; 0 for one the scheme lacks).</summary>
        public Dictionary<int, Dictionary<(int, int), double>> CensusCells(IReadOnlyList<AdultsCell> census)
        {
            var cells = new Dictionary<int, Dictionary<(int, int), double>>();
            foreach (var row in census)
            {
                var band = CellScheme.AgeBandOf(row.AgeBand)
                    ?? throw new ArgumentException($"Census cell of state {row.StateFips}: age band '{row.AgeBand}' is not a five-year band " +
                        $"({string.Join(", ", CellScheme.AgeBands)}).", nameof(census));
                var level = row.Sex switch { "male" => 1, "female" => 2,
                    _ => throw new ArgumentException($"Census cell of state {row.StateFips}, age {row.AgeBand}: " +
                        $"sex '{row.Sex}' is not male or female.", nameof(census)) };
                if (!cells.TryGetValue(row.StateFips, out var margins)) cells[row.StateFips] = margins = [];
                var key = (age < 0 ? 0 : band, sex < 0 ? 0 : level);
                margins[key] = margins.GetValueOrDefault(key) + row.Adults;
            }
            return cells;
        }

        /// <summary>
        /// Each margin's <paramref name="population"/> spread over its cells by a mix: the state's own weighted shares, from its
        /// n respondents in the margin, and the pooled shares counted as <paramref name="shrinkage"/> more respondents
        /// ((n · own + k · pooled) / (n + k)); the pooled shares alone where the state has no one in the margin.
        /// </summary>
        public static double[] Within(Func<int, (int, int)> marginOf, Func<(int, int), double> population, double[] own, double[] respondents,
            double[] pooled, double shrinkage)
        {
            var totals = new Dictionary<(int, int), (double Own, double Respondents, double Pooled)>();
            for (var c = 0; c < own.Length; c++)
            {
                var (w, n, p) = totals.GetValueOrDefault(marginOf(c));
                totals[marginOf(c)] = (w + own[c], n + respondents[c], p + pooled[c]);
            }
            var counts = new double[own.Length];
            for (var c = 0; c < counts.Length; c++)
            {
                var (w, n, p) = totals[marginOf(c)];
                double ownShare = w > 0 ? own[c] / w : 0, pooledShare = p > 0 ? pooled[c] / p : 0;
                var share = w > 0 && n + shrinkage > 0 ? (n * ownShare + shrinkage * pooledShare) / (n + shrinkage) : p > 0 ? pooledShare : 0;
                counts[c] = population(marginOf(c)) * share;
            }
            return counts;
        }
    }
}
