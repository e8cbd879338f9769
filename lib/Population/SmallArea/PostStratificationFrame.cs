using System.Globalization;
using System.Text;
using PopHealth.Ingest.Census;
using PopHealth.Workbook;

namespace PopHealth.Population.SmallArea;

/// <summary>Where a state's cell counts come from.</summary>
public enum FrameSource
{
    /// <summary>Census age × sex counts; education × income within age × sex from the state's own weights (its whole sample is present).</summary>
    CensusWithOwnWeights,
    /// <summary>Census age × sex counts; education × income within age × sex from the pooled weights of the fully present states
    /// (the state's sample is partial, so its own weights are not its population, or it has no respondents).</summary>
    CensusWithPooledWeights,
    /// <summary>No Census age × sex table for the state: every cell from its own weights, scaled to the Census adult count
    /// (Puerto Rico in 2016).</summary>
    OwnWeightsScaledToCensusAdults,
    /// <summary>No Census age × sex table and a partial sample: the pooled composition scaled to the Census adult count.</summary>
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

/// <summary>Which states count as fully present: weights summing to within [Low, High] of the Census adults 18+.</summary>
public sealed record FrameOptions(double FullCoverageLow = 0.97, double FullCoverageHigh = 1.05);

/// <summary>
/// The population of each state by demographic cell, onto which model predictions are post-stratified. Census age × sex
/// counts are used where the Census has them; the rest of the cell (education × income, and the unknown-income share) comes
/// from BRFSS weights within age × sex, which are raked to census margins: the state's own when its whole sample is present,
/// otherwise the pooled weights of the fully present states. <see cref="StateFrame.Source"/> records which, per state.
/// </summary>
public sealed class PostStratificationFrame
{
    private readonly Dictionary<int, StateFrame> states;

    public PostStratificationFrame(CellScheme scheme, IEnumerable<StateFrame> frames)
    {
        Scheme = scheme;
        states = new Dictionary<int, StateFrame>();
        foreach (var frame in frames)
        {
            if (frame.Counts.Count != scheme.CellCount)
                throw new ArgumentException($"State {frame.State}: {frame.Counts.Count} cell counts for a scheme of {scheme.CellCount} cells.", nameof(frames));
            if (frame.Counts.Any(c => c < 0 || double.IsNaN(c))) throw new ArgumentException($"State {frame.State}: a cell count is negative or not a number.", nameof(frames));
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
    /// Builds the frame for every state (a BRFSS state code, <see cref="UsStates"/>) with respondents or Census counts. <paramref name="adults"/> (Census adults 18+ by
    /// state) decides which states are fully present (the sum of all their respondents' weights over their adults);
    /// <paramref name="census"/> gives adults by five-year age band (<see cref="AgeBand.FiveYear"/> labels) and sex. Respondents
    /// with an unknown age, sex or education add nothing to the composition (their share is spread over the known cells).
    /// </summary>
    public static PostStratificationFrame Build(CellScheme scheme, IReadOnlyList<SmallAreaRespondent> respondents,
        IReadOnlyList<AdultsCell> census, IReadOnlyDictionary<int, double> adults, FrameOptions? options = null)
    {
        options ??= new FrameOptions();
        var composition = new Composition(scheme);
        var weighted = Composition.Weigh(scheme, respondents);
        var totals = respondents.Where(r => r.Weight is > 0).GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Sum(r => r.Weight!.Value));
        var coverage = weighted.Keys.ToDictionary(s => s, s => adults.TryGetValue(s, out var a) && a > 0 ? totals.GetValueOrDefault(s) / a : double.NaN);
        var full = coverage.Where(c => c.Value >= options.FullCoverageLow && c.Value <= options.FullCoverageHigh).Select(c => c.Key).ToHashSet();
        var pooled = new double[scheme.CellCount];
        foreach (var s in full) for (var c = 0; c < pooled.Length; c++) pooled[c] += weighted[s][c];
        var censusCells = composition.CensusCells(census);
        var frames = new List<StateFrame>();
        foreach (var state in weighted.Keys.Union(censusCells.Keys).Where(s => UsStates.Find(s) is not null).Order())
        {
            var own = weighted.GetValueOrDefault(state);
            var cover = coverage.TryGetValue(state, out var c) ? c : adults.ContainsKey(state) ? 0 : double.NaN;
            var isFull = full.Contains(state);
            if (censusCells.TryGetValue(state, out var margins))
                frames.Add(new StateFrame(state, isFull ? FrameSource.CensusWithOwnWeights : FrameSource.CensusWithPooledWeights, cover,
                    composition.Within(margins, isFull ? own! : pooled, pooled)));
            else if (adults.TryGetValue(state, out var total))
                frames.Add(new StateFrame(state, isFull ? FrameSource.OwnWeightsScaledToCensusAdults : FrameSource.PooledWeightsScaledToCensusAdults, cover,
                    Composition.Scaled(isFull ? own! : pooled, total)));
            else if (own is not null)
                frames.Add(new StateFrame(state, FrameSource.OwnWeightsOnly, double.NaN, own));
        }
        return new PostStratificationFrame(scheme, frames);
    }

    /// <summary>Writes the frame as a long CSV (state, source, one column per cell variable with 1-based levels, adults), for peers such as R.</summary>
    public void WriteCsv(string path)
    {
        var text = new StringBuilder("state,source," + string.Join(",", Scheme.Variables.Select(v => v.Name)) + ",adults\n");
        foreach (var frame in States)
            for (var c = 0; c < Scheme.CellCount; c++)
            {
                if (frame.Counts[c] <= 0) continue;
                text.Append(CultureInfo.InvariantCulture, $"{frame.State},{frame.Source}");
                for (var v = 0; v < Scheme.Variables.Count; v++) text.Append(CultureInfo.InvariantCulture, $",{Scheme.Level(c, v)}");
                text.Append(CultureInfo.InvariantCulture, $",{frame.Counts[c]:R}\n");
            }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>The census part of a cell (its age band and sex, when the scheme has them) and the composition within it.</summary>
    private sealed class Composition(CellScheme scheme)
    {
        private readonly int age = scheme.IndexOf(CellScheme.Age), sex = scheme.IndexOf(CellScheme.Sex);

        /// <summary>The census margin a cell belongs to: (age band, sex), 0 for a variable the scheme lacks.</summary>
        public (int Age, int Sex) Margin(int cell) => (age < 0 ? 0 : scheme.Level(cell, age), sex < 0 ? 0 : scheme.Level(cell, sex));

        /// <summary>Sum of weights per state and cell over respondents with a known cell and a weight.</summary>
        public static Dictionary<int, double[]> Weigh(CellScheme scheme, IReadOnlyList<SmallAreaRespondent> respondents)
        {
            var sums = new Dictionary<int, double[]>();
            foreach (var r in respondents)
            {
                if (!sums.TryGetValue(r.State, out var cells)) sums[r.State] = cells = new double[scheme.CellCount];
                if (r.Weight is { } w && r.CellIn(scheme) is { } c) cells[c] += w;
            }
            return sums;
        }

        /// <summary>Census adults per state and margin (the scheme's age band and sex; 0 for one the scheme lacks).</summary>
        public Dictionary<int, Dictionary<(int, int), double>> CensusCells(IReadOnlyList<AdultsCell> census)
        {
            var cells = new Dictionary<int, Dictionary<(int, int), double>>();
            foreach (var row in census)
            {
                var band = CellScheme.AgeBandOf(row.AgeBand)
                    ?? throw new ArgumentException($"Census cell of state {row.StateFips}: age band '{row.AgeBand}' is not a five-year band ({string.Join(", ", CellScheme.AgeBands)}).", nameof(census));
                var level = row.Sex switch { "male" => 1, "female" => 2, _ => throw new ArgumentException($"Census cell of state {row.StateFips}, age {row.AgeBand}: sex '{row.Sex}' is not male or female.", nameof(census)) };
                if (!cells.TryGetValue(row.StateFips, out var margins)) cells[row.StateFips] = margins = [];
                var key = (age < 0 ? 0 : band, sex < 0 ? 0 : level);
                margins[key] = margins.GetValueOrDefault(key) + row.Adults;
            }
            return cells;
        }

        /// <summary>Census margins spread over cells by <paramref name="weights"/>' composition within each margin (falling back to
        /// <paramref name="fallback"/> for a margin where <paramref name="weights"/> has no one).</summary>
        public double[] Within(Dictionary<(int, int), double> margins, double[] weights, double[] fallback)
        {
            var totals = new Dictionary<(int, int), (double Own, double Fallback)>();
            for (var c = 0; c < weights.Length; c++)
            {
                var (own, back) = totals.GetValueOrDefault(Margin(c));
                totals[Margin(c)] = (own + weights[c], back + fallback[c]);
            }
            var counts = new double[weights.Length];
            for (var c = 0; c < counts.Length; c++)
            {
                var (own, back) = totals[Margin(c)];
                var population = margins.GetValueOrDefault(Margin(c));
                counts[c] = own > 0 ? population * weights[c] / own : back > 0 ? population * fallback[c] / back : 0;
            }
            return counts;
        }

        public static double[] Scaled(double[] weights, double total)
        {
            var sum = weights.Sum();
            return sum > 0 ? weights.Select(w => w * total / sum).ToArray() : new double[weights.Length];
        }
    }
}
