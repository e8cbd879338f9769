using System.Globalization;
using PopHealth.Ingest.Census;

namespace PopHealth.Population.SmallArea;

/// <summary>How the small-area model is fitted and its uncertainty drawn.</summary>
/// <param name="StateCovariates">State-level covariates, computed from the frame (census-type facts, never behaviours):
/// <see cref="LowEducationShare"/>, <see cref="LowIncomeShare"/>. They explain much of the between-state variance left after the
/// demographic terms, so the state effects shrink towards a better guess.</param>
/// <param name="StateGroupEffects">Cell variables whose groups get their own state × group random effect besides the state
/// intercept (<c>age</c>: 18-24, 25-34, 35-44, 45-54, 55-64, 65+; <c>sex</c>; <c>education</c>; <c>income</c>; default all four),
/// so a state's groups may differ from the national pattern, which state × group estimates need. On the full 2016 sample they
/// bring the discrepancy of state × sex estimates from their direct ones from τ = 1.0 to 0.5 points, of state × income from
/// 1.1 to 0.5, and leave the state estimates as good.</param>
/// <param name="Draws">Posterior draws behind each estimate's point, standard error and interval.</param>
/// <param name="VarianceProposals">Importance-sampling proposals for the standard deviations (see <see cref="VarianceSearch"/>).</param>
/// <param name="Seed">Seed of every random draw (the workbook passes <c>POPHEALTH_SEED</c>).</param>
/// <param name="CalibrateToWeights">Shift the model's level so that its weighted residuals sum to zero (see
/// <see cref="WeightCalibration"/>): removes the average bias of unweighted cells.</param>
/// <param name="BlendDirect">Blend each fully present state's model estimate with its direct estimate by precision (see
/// <see cref="DirectBlend"/>): large samples then lean on their own data, and intervals carry the model's discrepancy.</param>
/// <param name="MinimumDiscrepancy">Floor of τ, the standard deviation of the model's discrepancy from a state's true prevalence
/// (prevalence scale; 0.004 = 0.4 points, what the full 2016 sample shows; see <see cref="DirectBlend"/>).</param>
public sealed record SmallAreaOptions(
    IReadOnlyList<string>? StateCovariates = null,
    IReadOnlyList<string>? StateGroupEffects = null,
    int Draws = 1000,
    int VarianceProposals = 200,
    int Seed = 20240611,
    bool CalibrateToWeights = true,
    bool BlendDirect = true,
    double MinimumDiscrepancy = 0.004)
{
    /// <summary>Share of a state's adults without a high-school diploma (frame counts).</summary>
    public const string LowEducationShare = "low_education_share";

    /// <summary>Share of a state's adults with a household income under $25,000, among those whose income is known (frame counts).</summary>
    public const string LowIncomeShare = "low_income_share";

    public static IReadOnlyList<string> DefaultStateCovariates { get; } = [LowEducationShare];
    public static IReadOnlyList<string> DefaultStateGroupEffects { get; } = [CellScheme.Age, CellScheme.Sex, CellScheme.Education, CellScheme.Income];

    public IReadOnlyList<string> Covariates => StateCovariates ?? DefaultStateCovariates;
    public IReadOnlyList<string> GroupEffects => StateGroupEffects ?? DefaultStateGroupEffects;

    /// <summary>Refuses settings the model cannot use, naming them.</summary>
    public void Check(CellScheme scheme)
    {
        if (Draws < 100)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Draws = {Draws}: at least 100 draws are needed for 95 % intervals."));
        if (MinimumDiscrepancy is < 0 or > 0.1)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"MinimumDiscrepancy = {MinimumDiscrepancy}: a floor between 0 and 0.1 (10 points) is expected."));
        if (VarianceProposals < 10)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"VarianceProposals = {VarianceProposals}: at least 10 proposals are needed."));
        var unknown = Covariates.Where(c => c is not (LowEducationShare or LowIncomeShare)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"StateCovariates: unknown {string.Join(", ", unknown)}; " +
                $"the frame gives {LowEducationShare} and {LowIncomeShare}.");
        if (Covariates.Contains(LowEducationShare) && !scheme.Has(CellScheme.Education))
            throw new ArgumentException($"StateCovariates: {LowEducationShare} needs education in the cells.");
        if (Covariates.Contains(LowIncomeShare) && !scheme.Has(CellScheme.Income))
            throw new ArgumentException($"StateCovariates: {LowIncomeShare} needs income in the cells.");
        var missing = GroupEffects.Where(g => !scheme.Has(g)).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"StateGroupEffects: state × group effects over {string.Join(", ", missing)}, which the cells do not have " +
                $"({string.Join(", ", scheme.Variables.Select(v => v.Name))}).");
    }
}

/// <summary>A group of cells a state estimate is made for (all adults, an age band, a sex, a crossing …).</summary>
/// <param name="Dimension">What the group divides by, as the population extract names it: <c>all</c>, <c>age</c>, <c>sex</c>,
/// <c>income</c>, <c>education</c>, or a crossing such as <c>sex x age</c>.</param>
/// <param name="Label">The group's level as the extract writes it (<c>25-34</c>, <c>female x 25-34</c>).</param>
/// <param name="Cells">The scheme's cells in the group.</param>
public sealed record SmallAreaGroup(string Dimension, string Label, IReadOnlyList<int> Cells)
{
    /// <summary>The crossings estimated by default, as the direct estimates' (<see cref="DirectEstimateOptions.Crossings"/>).</summary>
    public static IReadOnlyList<string> DefaultCrossings { get; } = new DirectEstimateOptions().Crossings;

    /// <summary>
    /// All adults; each level of age (the report's six bands, <see cref="AgeBand.Report"/>), sex, income (known bands) and
    /// education; and each cell of <paramref name="crossings"/> (default <see cref="DefaultCrossings"/>). The same dimensions
    /// and labels as the direct estimates, so both methods' rows line up in the extract (a default crossing over a variable the
    /// scheme lacks is skipped; a requested one is an error).
    /// </summary>
    public static IReadOnlyList<SmallAreaGroup> Defaults(CellScheme scheme, IReadOnlyList<string>? crossings = null)
    {
        var cells = Enumerable.Range(0, scheme.CellCount).ToArray();
        var dimensions = Dimensions(scheme);
        var groups = new List<SmallAreaGroup> { new(PopulationEstimate.AllGroups, PopulationEstimate.AllGroups, cells) };
        foreach (var (name, levels) in dimensions)
            groups.AddRange(levels.Select(l => new SmallAreaGroup(name, l.Label, cells.Where(l.Has).ToArray())));
        crossings ??= DefaultCrossings.Where(c => PopulationEstimate.CrossingParts(c) is ({ } first, { } second)
            && dimensions.ContainsKey(first) && dimensions.ContainsKey(second)).ToArray();
        foreach (var crossing in crossings)
        {
            if (PopulationEstimate.CrossingParts(crossing) is not ({ } firstName, { } secondName)
                || !dimensions.TryGetValue(firstName, out var firsts) || !dimensions.TryGetValue(secondName, out var seconds))
                throw new ArgumentException($"Crossing '{crossing}': two different dimensions of {string.Join(", ", dimensions.Keys)} joined " +
                    $"by \"{PopulationEstimate.CrossingSeparator}\".", nameof(crossings));
            foreach (var first in firsts)
                foreach (var second in seconds)
                    groups.Add(new(crossing, first.Label + PopulationEstimate.CrossingSeparator + second.Label,
                        cells.Where(c => first.Has(c) && second.Has(c)).ToArray()));
        }
        return groups;
    }

    /// <summary>Each reportable dimension of the scheme and its levels as cell predicates (age folded to the report's bands,
    /// income without its unknown level).</summary>
    private static Dictionary<string, List<(string Label, Func<int, bool> Has)>> Dimensions(CellScheme scheme)
    {
        var dimensions = new Dictionary<string, List<(string, Func<int, bool>)>>();
        for (var v = 0; v < scheme.Variables.Count; v++)
        {
            var (variable, index) = (scheme.Variables[v], v);
            var levels = new List<(string, Func<int, bool>)>();
            if (variable.Name == CellScheme.Age)
                for (var b = 0; b < AgeBand.Report.Count; b++)
                {
                    var band = b;
                    levels.Add((AgeBand.Report[b].Label, c => AgeBand.ReportIndexOf(scheme.Level(c, index)) == band));
                }
            else
                for (var l = 1; l <= variable.Count; l++)
                {
                    var level = l;
                    if (variable.Name == CellScheme.Income && variable.Levels[l - 1] == CellScheme.UnknownIncome) continue;
                    levels.Add((variable.Levels[l - 1], c => scheme.Level(c, index) == level));
                }
            dimensions[variable.Name] = levels;
        }
        return dimensions;
    }
}

/// <summary>
/// One small-area estimate of the prevalence of fair or poor health: a state, or a group of its adults.
/// </summary>
/// <param name="Estimate">Posterior mean of the post-stratified prevalence (of the blend, where the direct estimate is blended in).</param>
/// <param name="StandardError">Posterior standard deviation.</param>
/// <param name="Lower">2.5th percentile of the draws.</param>
/// <param name="Upper">97.5th percentile of the draws.</param>
/// <param name="Adults">The group's adults in the frame.</param>
/// <param name="Respondents">Respondents in the group who informed the fit.</param>
/// <param name="FrameSource">Where the state's cell counts come from.</param>
/// <param name="Method">How the estimate was made, in words.</param>
public sealed record SmallAreaEstimate(int State, string Dimension, string Group, double Estimate, double StandardError, double Lower, double Upper,
    double Adults, int Respondents, FrameSource FrameSource, string Method);
