namespace PopHealth.Population.SmallArea;

public sealed partial class SmallAreaModel
{
    /// <summary>
    /// The estimate for every state of the frame and every group (default: <see cref="SmallAreaGroup.Defaults"/>): each draw's
    /// predicted prevalence in each cell, weighted by the cell's adults in the state (post-stratification); the point is the mean
    /// of the draws, the interval their 2.5th and 97.5th percentiles. Groups with no adults in a state are left out for it.
    /// With <see cref="SmallAreaOptions.BlendDirect"/>, states are blended with their direct estimates and then each group
    /// dimension's estimates with theirs (<see cref="GroupDiscrepancies"/> gives each dimension's τ).
    /// </summary>
    public IReadOnlyList<SmallAreaEstimate> Estimate(IReadOnlyList<SmallAreaGroup>? groups = null)
    {
        groups ??= SmallAreaGroup.Defaults(Frame.Scheme);
        var (values, adults) = PostStratify(groups, blends);
        GroupDiscrepancies = Options.BlendDirect ? BlendGroups(groups, values) : new Dictionary<string, double>();
        var results = new List<SmallAreaEstimate>();
        var sorted = new double[draws.Count];
        for (var s = 0; s < stateCodes.Length; s++)
        {
            var frame = Frame[stateCodes[s]]!;
            for (var g = 0; g < groups.Count; g++)
            {
                if (!(adults[s, g] > 0)) continue;
                Array.Copy(values, (s * groups.Count + g) * draws.Count, sorted, 0, draws.Count);
                Array.Sort(sorted);
                var (mean, sd) = MeanAndDeviation(sorted);
                results.Add(new SmallAreaEstimate(stateCodes[s], groups[g].Dimension, groups[g].Label, mean, sd, Quantile(sorted, 0.025),
                    Quantile(sorted, 0.975), adults[s, g], RespondentsIn(s, groups[g]), frame.Source, Method(frame)));
            }
        }
        return results;
    }

    /// <summary>τ of each group dimension in the last <see cref="Estimate"/> (prevalence scale; empty when not blended).</summary>
    public IReadOnlyDictionary<string, double> GroupDiscrepancies { get; private set; } = new Dictionary<string, double>();

    /// <summary>
    /// The estimates as rows of the population extract (method <c>model</c>, percent, the model's <see cref="Version"/>):
    /// <c>n</c> is the group's respondents in the fit, <c>population</c> its adults in the frame. Model-based rows are not
    /// suppressed (every state and group gets an estimate with its interval); a state whose weights cover less than
    /// <paramref name="partialCoverageBelow"/> of its adults is flagged partial, since its own respondents are not its whole sample.
    /// </summary>
    public IReadOnlyList<PopulationEstimate> ExtractRows(int year, IReadOnlyList<SmallAreaEstimate>? estimates = null,
        double partialCoverageBelow = 0.9)
    {
        estimates ??= Estimate();
        return estimates.Select(e =>
        {
            var state = UsStates.Find(e.State);
            var coverage = Frame[e.State]!.Coverage;
            return new PopulationEstimate(year, PopulationEstimate.StateLevel,
                state?.FipsText ?? e.State.ToString("00", System.Globalization.CultureInfo.InvariantCulture), state?.Abbreviation, e.Dimension,
                e.Group, PopulationEstimate.FairPoorHealth, PopulationEstimate.Model, 100 * e.Estimate, 100 * e.Lower, 100 * e.Upper,
                100 * e.StandardError, e.Respondents, e.Adults, false, null, double.IsNaN(coverage) ? null : coverage,
                double.IsNaN(coverage) ? null : coverage < partialCoverageBelow, Version);
        }).ToArray();
    }

    /// <summary>What model made the estimates, in one line (the extract's <c>model_version</c>).</summary>
    public string Version => $"small-area MRP 1: logit, cells {string.Join(" x ", Frame.Scheme.Variables.Select(v => v.Name))}; " +
        $"random {string.Join(" + ", design.Terms.Select(t => t.Name))}; " +
        $"covariates {(Options.Covariates.Count == 0 ? "none" : string.Join(", ", Options.Covariates))}; " +
        $"{(Options.CalibrateToWeights ? "calibrated to weights" : "uncalibrated")}; " +
        $"{(Options.BlendDirect ? "blended with direct" : "not blended")}; " +
        $"{draws.Count} draws, seed {Options.Seed}";

    /// <summary>Draws of each (state, group) prevalence, [(state × groups + group) × draws + draw], and each group's adults.
    /// With <paramref name="blends"/>, each draw's state is moved by its blend (a logit offset on all its cells).</summary>
    internal (double[] Values, double[,] Adults) PostStratify(IReadOnlyList<SmallAreaGroup> groups, IReadOnlyList<StateBlend?>? blends)
    {
        var scheme = Frame.Scheme;
        int states = stateCodes.Length, count = draws.Count;
        var layout = new CellLayout(design, CellGroups(scheme, groups));
        var adults = new double[states, groups.Count];
        for (var s = 0; s < states; s++)
        {
            var counts = Frame[stateCodes[s]]!.Counts;
            for (var c = 0; c < scheme.CellCount; c++) foreach (var g in layout.Groups[c]) adults[s, g] += counts[c];
        }
        var values = new double[states * groups.Count * count];
        var sums = new double[groups.Count];
        var eta = new double[scheme.CellCount];
        var noise = new Random(Options.Seed + 1);
        for (var d = 0; d < count; d++)
            for (var s = 0; s < states; s++)
            {
                var counts = Frame[stateCodes[s]]!.Counts;
                LinearPredictors(d, s, layout, counts, eta);
                var z = Gaussian.Next(noise);
                var offset = blends?[s] is { } blend ? blend.Offset(eta, counts, z) : 0;
                Array.Clear(sums);
                for (var c = 0; c < eta.Length; c++)
                {
                    if (counts[c] <= 0) continue;
                    var share = counts[c] / (1 + Math.Exp(-(eta[c] + offset)));
                    foreach (var g in layout.Groups[c]) sums[g] += share;
                }
                for (var g = 0; g < groups.Count; g++)
                    values[(s * groups.Count + g) * count + d] = adults[s, g] > 0 ? sums[g] / adults[s, g] : double.NaN;
            }
        return (values, adults);
    }

    /// <summary>Draw d's linear predictor in every populated cell of state s.</summary>
    private void LinearPredictors(int d, int s, CellLayout layout, IReadOnlyList<double> counts, double[] eta)
    {
        int p = design.FixedCount, q = design.BlockSize, terms = design.Terms.Count;
        var beta = draws.Beta.AsSpan(d * p, p);
        var effects = draws.Effects.AsSpan((d * stateCodes.Length + s) * q, q);
        var stateShift = draws.Shift[d];
        for (var j = 0; j < design.CovariateCount; j++) stateShift += beta[design.PatternColumns + j] * design.Covariates[s, j];
        for (var c = 0; c < eta.Length; c++)
        {
            if (counts[c] <= 0) continue;
            var value = stateShift;
            foreach (var column in layout.Ones[c]) value += beta[column];
            for (var t = 0; t < terms; t++) value += effects[layout.Blocks[c * terms + t]];
            eta[c] = value;
        }
    }

    /// <summary>Per demographic cell: its fixed-effect columns that are 1, its random effects in the state block, its groups.</summary>
    private sealed class CellLayout
    {
        public CellLayout(LogitDesign design, int[][] groups)
        {
            var cells = design.Scheme.CellCount;
            Groups = groups;
            Ones = new int[cells][];
            Blocks = new int[cells * design.Terms.Count];
            Span<int> buffer = stackalloc int[1 + design.Scheme.Variables.Count];
            for (var c = 0; c < cells; c++)
            {
                Ones[c] = buffer[..design.PatternOnes(c, buffer)].ToArray();
                design.BlockIndices(c, Blocks.AsSpan(c * design.Terms.Count, design.Terms.Count));
            }
        }

        public int[][] Groups { get; }
        public int[][] Ones { get; }
        public int[] Blocks { get; }
    }

    private static int[][] CellGroups(CellScheme scheme, IReadOnlyList<SmallAreaGroup> groups)
    {
        var lists = Enumerable.Range(0, scheme.CellCount).Select(_ => new List<int>()).ToArray();
        for (var g = 0; g < groups.Count; g++)
            foreach (var c in groups[g].Cells)
            {
                if (c < 0 || c >= scheme.CellCount)
                    throw new ArgumentException($"Group '{groups[g].Label}' names cell {c}, outside the scheme's 0–{scheme.CellCount - 1}.",
                        nameof(groups));
                lists[c].Add(g);
            }
        return lists.Select(l => l.ToArray()).ToArray();
    }

    private int RespondentsIn(int state, SmallAreaGroup group) => group.Cells.Sum(c => respondentsByCell[state, c]);

    private static string Method(StateFrame frame) => frame.Source switch
    {
        FrameSource.CensusWithOwnWeights => "multilevel model post-stratified on Census age × sex with the state's own education × income mix",
        FrameSource.CensusWithPartialWeights => "multilevel model post-stratified on Census age × sex with the education × income mix of the " +
            "state's partial sample, shrunk towards the fully present states'",
        FrameSource.CensusWithPooledWeights =>
            "multilevel model post-stratified on Census age × sex with the pooled education × income mix of fully present states",
        FrameSource.PartialWeightsScaledToCensusAdults =>
            "multilevel model post-stratified on the partial sample's weighted cells, shrunk towards the pooled mix, scaled to Census adults",
        FrameSource.OwnWeightsScaledToCensusAdults => "multilevel model post-stratified on the state's own weighted cells, scaled to Census adults",
        FrameSource.PooledWeightsScaledToCensusAdults => "multilevel model post-stratified on the pooled cell mix, scaled to Census adults",
        _ => "multilevel model post-stratified on the state's own weighted cells (no Census count)",
    };

    internal static (double Mean, double Deviation) MeanAndDeviation(ReadOnlySpan<double> values)
    {
        var mean = 0.0;
        foreach (var v in values) mean += v;
        mean /= values.Length;
        var squares = 0.0;
        foreach (var v in values) squares += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(squares / (values.Length - 1)));
    }

    /// <summary>The q-quantile of sorted values (linear interpolation, R's type 7).</summary>
    internal static double Quantile(ReadOnlySpan<double> sorted, double q)
    {
        var h = (sorted.Length - 1) * q;
        var low = (int)Math.Floor(h);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }
}
