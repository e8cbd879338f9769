namespace PopHealth.Population.SmallArea;

/// <summary>A random effect of the model: a state intercept, or a state × group deviation over the levels of a cell variable.</summary>
/// <param name="Variable">Null for the state intercept; else the cell variable whose groups the effect varies over.</param>
/// <param name="Groups">Group labels; <paramref name="GroupOfLevel"/> maps the variable's 1-based levels to 0-based groups.</param>
internal sealed record RandomTerm(string Name, string? Variable, IReadOnlyList<string> Groups, IReadOnlyList<int> GroupOfLevel);

/// <summary>One fitting cell: a state (index) and demographic cell with its respondents' outcomes, unweighted and with their
/// weights normalised to mean 1 within the state (for the calibration to the weights; see <see cref="WeightCalibration"/>).</summary>
/// <param name="ExcessSuccesses">Σ (w̃ − 1)² over the cell's respondents in fair or poor health.</param>
/// <param name="ExcessFailures">Σ (w̃ − 1)² over the others.</param>
internal sealed record FitCell(int State, int Cell, double Successes, double Trials, double WeightedSuccesses, double WeightedTrials,
    double ExcessSuccesses, double ExcessFailures);

/// <summary>
/// The mixed logistic model's layout over cell counts: fixed effects (intercept, treatment-coded demographic main effects,
/// standardised state covariates) and random effects nested in states. Each state owns a block of
/// <see cref="BlockSize"/> random effects (its intercept, then each state × group term's groups). Fitting cells are
/// (state, demographic cell) pairs with respondents, sorted by state.
/// </summary>
internal sealed class LogitDesign
{
    public LogitDesign(CellScheme scheme, IReadOnlyList<string> covariateNames, double[,] covariates, IReadOnlyList<RandomTerm> terms,
        IReadOnlyList<FitCell> cells)
    {
        Scheme = scheme;
        StateCount = covariates.GetLength(0);
        CovariateCount = covariates.GetLength(1);
        Covariates = covariates;
        var names = new List<string> { "(intercept)" };
        foreach (var v in scheme.Variables) for (var l = 2; l <= v.Count; l++) names.Add($"{v.Name}={v.Levels[l - 1]}");
        PatternColumns = names.Count;
        names.AddRange(covariateNames);
        FixedNames = names;
        Terms = terms;
        TermOffset = new int[terms.Count];
        for (var t = 1; t < terms.Count; t++) TermOffset[t] = TermOffset[t - 1] + terms[t - 1].Groups.Count;
        BlockSize = TermOffset[^1] + terms[^1].Groups.Count;
        var ordered = cells.OrderBy(c => c.State).ThenBy(c => c.Cell).ToArray();
        Cells = ordered;
        CellState = ordered.Select(c => c.State).ToArray();
        CellPattern = ordered.Select(c => c.Cell).ToArray();
        Successes = ordered.Select(c => c.Successes).ToArray();
        Trials = ordered.Select(c => c.Trials).ToArray();
        StateStart = new int[StateCount + 1];
        foreach (var s in CellState) StateStart[s + 1]++;
        for (var s = 0; s < StateCount; s++) StateStart[s + 1] += StateStart[s];
    }

    public CellScheme Scheme { get; }
    public int StateCount { get; }
    public int CovariateCount { get; }

    /// <summary>Standardised state covariates, [state, covariate].</summary>
    public double[,] Covariates { get; }

    /// <summary>Fixed-effect columns from the demographic cell (intercept and dummies); covariates follow.</summary>
    public int PatternColumns { get; }
    public int FixedCount => PatternColumns + CovariateCount;
    public IReadOnlyList<string> FixedNames { get; }
    public IReadOnlyList<RandomTerm> Terms { get; }
    public int[] TermOffset { get; }
    public int BlockSize { get; }

    /// <summary>The fitting cells in the order of the arrays below.</summary>
    public IReadOnlyList<FitCell> Cells { get; }

    public int[] CellState { get; }
    public int[] CellPattern { get; }
    public double[] Successes { get; }
    public double[] Trials { get; }

    /// <summary>Fitting cells of state s are StateStart[s] .. StateStart[s+1]−1.</summary>
    public int[] StateStart { get; }

    /// <summary>The pattern columns that are 1 for a demographic cell (intercept and one dummy per variable above level 1).</summary>
    public int PatternOnes(int cell, Span<int> columns)
    {
        var count = 0;
        columns[count++] = 0;
        var column = 1;
        for (var v = 0; v < Scheme.Variables.Count; v++)
        {
            var level = Scheme.Level(cell, v);
            if (level > 1) columns[count++] = column + level - 2;
            column += Scheme.Variables[v].Count - 1;
        }
        return count;
    }

    /// <summary>The random effects (indices within the state's block) a demographic cell loads on, one per term.</summary>
    public void BlockIndices(int cell, Span<int> indices)
    {
        for (var t = 0; t < Terms.Count; t++)
            indices[t] = TermOffset[t] + (Terms[t].Variable is { } v ? Terms[t].GroupOfLevel[Scheme.Level(cell, Scheme.IndexOf(v)) - 1] : 0);
    }
}
