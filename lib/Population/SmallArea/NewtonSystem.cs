namespace PopHealth.Population.SmallArea;

/// <summary>
/// The Newton system of the mixed model in block form: fixed effects β (p) and, per state, its spherical random effects b (q).
/// The negative Hessian is [[H_ββ, H_βb], [H_bβ, H_bb]] with H_bb block-diagonal by state, so the solve factorises each
/// state's block, eliminates it (Schur complement) and solves the p × p system that remains.
/// </summary>
internal sealed class NewtonSystem(int p, int q, int states)
{
    private readonly double[] gradientBeta = new double[p], hessianBeta = new double[p * p];
    private readonly double[] gradientB = new double[states * q], hessianB = new double[states * q * q], crossBeta = new double[states * q * p];

    public double[] StepBeta { get; } = new double[p];
    public double[] StepB { get; } = new double[states * q];

    /// <summary>Cholesky factor of the Schur complement H_ββ − Σ H_βb H_bb⁻¹ H_bβ.</summary>
    public double[] Schur { get; } = new double[p * p];

    /// <summary>Per state, the Cholesky factor of H_bb (the factorised blocks, valid after <see cref="Solve"/>).</summary>
    public double[] BlockFactors => hessianB;

    /// <summary>Per state, H_bb⁻¹ H_bβ (q × p).</summary>
    public double[] Coupling { get; } = new double[states * q * p];

    /// <summary>Σ over states of log det H_bb (after <see cref="Solve"/>).</summary>
    public double LogDetBlocks { get; private set; }

    /// <summary>Starts a new accumulation at random effects <paramref name="b"/>: the penalty's gradient −b and Hessian I.</summary>
    public void Reset(ReadOnlySpan<double> b)
    {
        Array.Clear(gradientBeta);
        Array.Clear(hessianBeta);
        Array.Clear(hessianB);
        Array.Clear(crossBeta);
        for (var i = 0; i < gradientB.Length; i++) gradientB[i] = -b[i];
        for (var s = 0; s < states; s++)
            for (var i = 0; i < q; i++) hessianB[s * q * q + i * q + i] = 1;
    }

    /// <summary>Adds one fitting cell: working weight w = m μ(1−μ), residual r = k − m μ; its fixed row has ones at
    /// <paramref name="ones"/> and the state covariates from column <paramref name="covariateStart"/>; its random row has σ_t at block[t].</summary>
    public void AddCell(int state, ReadOnlySpan<int> ones, int covariateStart, ReadOnlySpan<double> covariates, ReadOnlySpan<int> block,
        ReadOnlySpan<double> sigma, double w, double r)
    {
        Span<int> columns = stackalloc int[ones.Length + covariates.Length];
        Span<double> values = stackalloc double[columns.Length];
        for (var j = 0; j < ones.Length; j++) { columns[j] = ones[j]; values[j] = 1; }
        for (var j = 0; j < covariates.Length; j++) { columns[ones.Length + j] = covariateStart + j; values[ones.Length + j] = covariates[j]; }
        for (var a = 0; a < columns.Length; a++)
        {
            gradientBeta[columns[a]] += r * values[a];
            var row = columns[a] * p;
            for (var c = 0; c < columns.Length; c++) hessianBeta[row + columns[c]] += w * values[a] * values[c];
        }
        var blockStart = state * q * q;
        var crossStart = state * q * p;
        for (var t = 0; t < block.Length; t++)
        {
            var i = block[t];
            gradientB[state * q + i] += r * sigma[t];
            for (var u = 0; u < block.Length; u++) hessianB[blockStart + i * q + block[u]] += w * sigma[t] * sigma[u];
            for (var a = 0; a < columns.Length; a++) crossBeta[crossStart + i * p + columns[a]] += w * sigma[t] * values[a];
        }
    }

    /// <summary>Solves for the Newton step; false when a matrix is not positive definite.</summary>
    public bool Solve()
    {
        hessianBeta.CopyTo(Schur, 0);
        var reduced = (double[])gradientBeta.Clone();
        var logDet = 0.0;
        var solvedGradient = new double[q];
        var column = new double[q];
        for (var s = 0; s < states; s++)
        {
            var factor = hessianB.AsSpan(s * q * q, q * q);
            if (!SmallDense.Cholesky(factor, q)) return false;
            logDet += SmallDense.LogDeterminant(factor, q);
            EliminateState(s, factor, column, solvedGradient, reduced);
        }
        LogDetBlocks = logDet;
        if (!SmallDense.Cholesky(Schur, p)) return false;
        reduced.CopyTo(StepBeta, 0);
        SmallDense.Solve(Schur, p, StepBeta);
        for (var s = 0; s < states; s++)
            for (var i = 0; i < q; i++)
            {
                var step = StepB[s * q + i];
                for (var j = 0; j < p; j++) step -= Coupling[s * q * p + i * p + j] * StepBeta[j];
                StepB[s * q + i] = step;
            }
        return true;
    }

    /// <summary>Eliminates state s: its coupling H_bb⁻¹ H_bβ, its solved gradient (kept in StepB until β is known), and its
    /// share of the Schur complement and of the reduced gradient.</summary>
    private void EliminateState(int s, ReadOnlySpan<double> factor, double[] column, double[] solvedGradient, double[] reduced)
    {
        var coupling = Coupling.AsSpan(s * q * p, q * p);
        var cross = crossBeta.AsSpan(s * q * p, q * p);
        for (var j = 0; j < p; j++)
        {
            for (var i = 0; i < q; i++) column[i] = cross[i * p + j];
            SmallDense.Solve(factor, q, column);
            for (var i = 0; i < q; i++) coupling[i * p + j] = column[i];
        }
        gradientB.AsSpan(s * q, q).CopyTo(solvedGradient);
        SmallDense.Solve(factor, q, solvedGradient);
        solvedGradient.CopyTo(StepB, s * q);
        for (var a = 0; a < p; a++)
        {
            var g = 0.0;
            for (var i = 0; i < q; i++) g += cross[i * p + a] * solvedGradient[i];
            reduced[a] -= g;
            for (var c = 0; c < p; c++)
            {
                var h = 0.0;
                for (var i = 0; i < q; i++) h += cross[i * p + a] * coupling[i * p + c];
                Schur[a * p + c] -= h;
            }
        }
    }

    public double MaxStep()
    {
        var max = 0.0;
        foreach (var v in StepBeta) max = Math.Max(max, Math.Abs(v));
        foreach (var v in StepB) max = Math.Max(max, Math.Abs(v));
        return max;
    }
}
