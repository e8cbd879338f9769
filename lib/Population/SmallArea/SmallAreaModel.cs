using System.Globalization;
using PopHealth.Ingest.Census;

namespace PopHealth.Population.SmallArea;

/// <summary>What a fit used and found, for notebooks and logs.</summary>
/// <param name="Respondents">Respondents in the fit (known outcome, state in the frame, every cell variable known).</param>
/// <param name="LeftOut">Respondents not in the fit, by reason (none is dropped silently).</param>
/// <param name="Sigma">Each random term's standard deviation (logit scale) at the maximum of the Laplace likelihood.</param>
/// <param name="EffectiveProposals">Effective number of the importance-weighted σ proposals behind the draws.</param>
/// <param name="WeightShift">The logit shift calibrating the unweighted fit to the weights (0 when not calibrated).</param>
/// <param name="BlendVariance">τ², the variance of the model's discrepancy from the truth the direct estimates show
/// (prevalence², 0 when none or not blended).</param>
/// <param name="BlendedStates">States whose estimates blend in their direct estimate (fully present states, when τ² > 0).</param>
public sealed record SmallAreaFitSummary(int Respondents, int FittingCells, IReadOnlyList<KeyValuePair<string, int>> LeftOut,
    IReadOnlyList<string> RandomTerms, IReadOnlyList<double> Sigma, IReadOnlyList<string> FixedNames, IReadOnlyList<double> FixedEffects,
    double LogLikelihood, double EffectiveProposals, WeightShift WeightShift, double BlendVariance, int BlendedStates);

/// <summary>
/// Model-based (small-area) estimates of the prevalence of fair or poor health for every state and state × group, borrowing
/// strength across states as CDC's PLACES does: a multilevel logistic model of the individual outcome on demographic cells
/// (age band, sex, education, income) with state-level covariates and state (and state × group) random effects, fitted on
/// cell counts without weights (the cells carry the composition, as in MRP), then post-stratified onto each state's
/// population cells, with uncertainty from approximate posterior draws (standard deviations included).
/// </summary>
public sealed partial class SmallAreaModel
{
    private readonly LogitDesign design;
    private readonly PosteriorDraws draws;
    private readonly int[] stateCodes;
    private readonly int[,] respondentsByCell;
    private StateBlend?[]? blends;

    private SmallAreaModel(PostStratificationFrame frame, SmallAreaOptions options, LogitDesign design, PosteriorDraws draws,
        int[] stateCodes, int[,] respondentsByCell, IReadOnlyList<SmallAreaRespondent> respondents)
    {
        Frame = frame;
        Options = options;
        this.design = design;
        this.draws = draws;
        this.stateCodes = stateCodes;
        this.respondentsByCell = respondentsByCell;
        Respondents = respondents;
    }

    public PostStratificationFrame Frame { get; }
    public SmallAreaOptions Options { get; }
    public SmallAreaFitSummary Summary { get; private set; } = null!;

    /// <summary>The respondents the model was given (kept for the direct estimates of the blend).</summary>
    public IReadOnlyList<SmallAreaRespondent> Respondents { get; }

    /// <summary>
    /// Fits the model on <paramref name="respondents"/> for every state of <paramref name="frame"/> (a state with no respondents
    /// gets its estimate from the fixed part and covariates, with its state effect drawn from the fitted spread: a wide interval).
    /// </summary>
    public static SmallAreaModel Fit(IReadOnlyList<SmallAreaRespondent> respondents, PostStratificationFrame frame, SmallAreaOptions? options = null,
        IProgress<string>? progress = null)
    {
        options ??= new SmallAreaOptions();
        options.Check(frame.Scheme);
        var stateCodes = frame.States.Select(s => s.State).ToArray();
        var (cells, byCell, leftOut, fitted) = CellCounts(respondents, frame, stateCodes);
        if (fitted == 0) throw new ArgumentException("No respondent has a known outcome, state and cell: nothing to fit.", nameof(respondents));
        var (names, covariates) = StateCovariates(frame, stateCodes, options.Covariates);
        var design = new LogitDesign(frame.Scheme, names, covariates, Terms(frame.Scheme, options.GroupEffects), cells);
        progress?.Report($"small-area fit: {fitted:N0} respondents in {cells.Count:N0} cells, {stateCodes.Length} states, {design.FixedCount} " +
            $"fixed effects, " +
                         $"random effects: {string.Join(", ", design.Terms.Select(t => t.Name))}");
        var model = new MixedLogit(design);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var maximum = VarianceSearch.Maximise(model, design.Terms.Select((_, t) => t == 0 ? 0.1 : 0.05).ToArray(), progress);
        progress?.Report(string.Create(CultureInfo.InvariantCulture,
            $"variance search: {watch.Elapsed.TotalSeconds:0.0} s, {model.Passes:N0} passes over the cells"));
        var shift = options.CalibrateToWeights ? WeightCalibration.Estimate(design, model.LinearPredictors(maximum)) : new WeightShift(0, 0);
        var random = new Random(options.Seed);
        var sigmas = VarianceSearch.Sample(model, maximum, options.VarianceProposals, random);
        var effective = VarianceSearch.EffectiveSize(sigmas);
        progress?.Report(string.Create(CultureInfo.InvariantCulture,
            $"σ drawn from {options.VarianceProposals} proposals " +
            $"(effective {effective:0}): {watch.Elapsed.TotalSeconds:0.0} s, {model.Passes:N0} passes"));
        var posterior = PosteriorDraws.Draw(design, sigmas, shift, options.Draws, random);
        var fittedModel = new SmallAreaModel(frame, options, design, posterior, stateCodes, byCell, respondents);
        var (blends, tau2) = options.BlendDirect ? fittedModel.Blends() : (null, 0);
        fittedModel.blends = blends;
        fittedModel.Summary = new SmallAreaFitSummary(fitted, cells.Count, leftOut, design.Terms.Select(t => t.Name).ToArray(), maximum.Sigma,
            design.FixedNames, maximum.Beta, maximum.LogLikelihood, effective, shift, tau2, blends?.Count(b => b is not null) ?? 0);
        progress?.Report(string.Create(CultureInfo.InvariantCulture,
            $"blend with direct estimates: τ = {Math.Sqrt(tau2) * 100:0.00} points, {fittedModel.Summary.BlendedStates} states"));
        return fittedModel;
    }

    /// <summary>Fitting cells (unweighted and normalised-weight sums); respondents per state and cell; who was left out and why.</summary>
    private static (List<FitCell> Cells, int[,] ByCell, List<KeyValuePair<string, int>> LeftOut, int Fitted) CellCounts(
        IReadOnlyList<SmallAreaRespondent> respondents, PostStratificationFrame frame, int[] stateCodes)
    {
        var index = stateCodes.Select((code, i) => (code, i)).ToDictionary(x => x.code, x => x.i);
        var leftOut = new Dictionary<string, int>();
        var cellOf = new int[respondents.Count];
        for (var i = 0; i < respondents.Count; i++) cellOf[i] = Place(respondents[i], frame.Scheme, index, leftOut);
        var weights = WeightCalibration.NormalisedWeights(respondents, cellOf.Select(c => c >= 0).ToArray());
        var sums = new Dictionary<(int, int), double[]>();
        var byCell = new int[stateCodes.Length, frame.Scheme.CellCount];
        for (var i = 0; i < respondents.Count; i++)
        {
            if (cellOf[i] < 0) continue;
            var key = (index[respondents[i].State], cellOf[i]);
            if (!sums.TryGetValue(key, out var sum)) sums[key] = sum = new double[6];
            double y = respondents[i].FairPoor == true ? 1 : 0, w = weights[i], excess = (w - 1) * (w - 1);
            sum[0] += y; sum[1] += 1; sum[2] += w * y; sum[3] += w; sum[4] += excess * y; sum[5] += excess * (1 - y);
            byCell[key.Item1, key.Item2]++;
        }
        var cells = sums.Select(x => new FitCell(x.Key.Item1, x.Key.Item2, x.Value[0], x.Value[1], x.Value[2], x.Value[3], x.Value[4], x.Value[5]))
            .ToList();
        return (cells, byCell, leftOut.OrderByDescending(l => l.Value).ToList(), cellOf.Count(c => c >= 0));
    }

    /// <summary>The respondent's cell, or −1 (counted under its reason) when it cannot be in the fit.</summary>
    private static int Place(SmallAreaRespondent r, CellScheme scheme, Dictionary<int, int> states, Dictionary<string, int> leftOut)
    {
        string? reason = null;
        int? cell = null;
        if (!states.ContainsKey(r.State)) reason = $"state {r.State} not in the frame";
        else if (r.FairPoor is null) reason = "outcome unknown";
        else if ((cell = r.CellIn(scheme)) is null)
            reason = "unknown " + string.Join("/", scheme.Variables.Where(v => r.LevelOf(v.Name) is null).Select(v => v.Name));
        if (reason is null) return cell!.Value;
        leftOut[reason] = leftOut.GetValueOrDefault(reason) + 1;
        return -1;
    }

    /// <summary>The chosen covariates per state from its frame counts, standardised across the frame's states.</summary>
    private static (string[] Names, double[,] Values) StateCovariates(PostStratificationFrame frame, int[] stateCodes, IReadOnlyList<string> names)
    {
        var scheme = frame.Scheme;
        var values = new double[stateCodes.Length, names.Count];
        for (var j = 0; j < names.Count; j++)
        {
            var raw = stateCodes.Select(code => Share(scheme, frame[code]!.Counts, names[j])).ToArray();
            double mean = raw.Average(), sd = Math.Sqrt(raw.Sum(x => (x - mean) * (x - mean)) / Math.Max(1, raw.Length - 1));
            if (!(sd > 0))
                throw new ArgumentException($"The state covariate {names[j]} is the same in every state; it cannot be fitted.", nameof(names));
            for (var s = 0; s < raw.Length; s++) values[s, j] = (raw[s] - mean) / sd;
        }
        return (names.ToArray(), values);
    }

    /// <summary>A state's share of adults without a high-school diploma, or with income under $25k among known incomes.</summary>
    internal static double Share(CellScheme scheme, IReadOnlyList<double> counts, string covariate)
    {
        double part = 0, whole = 0;
        var education = scheme.IndexOf(CellScheme.Education);
        var income = scheme.IndexOf(CellScheme.Income);
        var unknownIncome = income < 0 ? 0 : scheme.Variables[income].Count;
        var lowBands = income < 0 ? 0 : scheme.IncomeUppers.Count(u => u is <= 25_000);
        for (var c = 0; c < counts.Count; c++)
        {
            if (covariate == SmallAreaOptions.LowEducationShare)
            {
                whole += counts[c];
                if (scheme.Level(c, education) == 1) part += counts[c];
            }
            else
            {
                var band = scheme.Level(c, income);
                if (band == unknownIncome) continue;
                whole += counts[c];
                if (band <= lowBands) part += counts[c];
            }
        }
        return whole > 0 ? part / whole : 0;
    }

    /// <summary>The state intercept, then one state × group term per variable in <paramref name="groupEffects"/>.</summary>
    private static List<RandomTerm> Terms(CellScheme scheme, IReadOnlyList<string> groupEffects)
    {
        var terms = new List<RandomTerm> { new("state", null, ["all"], [0]) };
        foreach (var name in CellScheme.CensusVariables.Where(groupEffects.Contains))
        {
            var variable = scheme.Variables[scheme.IndexOf(name)];
            if (name == CellScheme.Age)
                terms.Add(new("state × age", name, AgeBand.Report.Select(b => b.Label).ToArray(),
                    Enumerable.Range(1, variable.Count).Select(AgeBand.ReportIndexOf).ToArray()));
            else
                terms.Add(new($"state × {name}", name, variable.Levels, Enumerable.Range(0, variable.Count).ToArray()));
        }
        return terms;
    }
}
