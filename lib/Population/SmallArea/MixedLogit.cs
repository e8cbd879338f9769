using System.Runtime.CompilerServices;

namespace PopHealth.Population.SmallArea;

/// <summary>The joint mode of fixed and spherical random effects at given standard deviations, with what drawing around it needs.</summary>
/// <param name="Sigma">Standard deviation of each random term.</param>
/// <param name="Beta">Fixed effects at the mode.</param>
/// <param name="B">Spherical random effects b at the mode, [state × block]; the effects are u = σ_term · b.</param>
/// <param name="LogLikelihood">Laplace approximation of the marginal log-likelihood at <paramref name="Sigma"/>
/// (binomial constants left out).</param>
/// <param name="SchurFactor">Cholesky factor of the fixed effects' precision with the random effects integrated out (p × p).</param>
/// <param name="BlockFactor">Per state: Cholesky factor of its random effects' conditional precision (q × q).</param>
/// <param name="BlockCoupling">Per state: H_bb⁻¹ H_bβ (q × p), how the state's effects move with the fixed effects.</param>
internal sealed record LogitMode(double[] Sigma, double[] Beta, double[] B, double LogLikelihood, double[] SchurFactor, double[] BlockFactor,
    double[] BlockCoupling, int Iterations);

/// <summary>
/// A binomial mixed model with logit link over cell counts, fitted by penalised iteratively reweighted least squares (Newton
/// on the joint fixed and spherical random effects, as lme4 does with <c>nAGQ = 0</c>), and its Laplace-approximated marginal
/// likelihood for choosing the standard deviations. Random effects nest within states, so each Newton step solves one small
/// block per state and a Schur complement for the fixed effects: the cost grows with cells, not with their square.
/// </summary>
internal sealed class MixedLogit
{
    private const int MaxIterations = 60;
    private readonly LogitDesign design;
    private readonly int p, q, ones, terms;
    private readonly int[] cellOnes, cellOnesCount, cellBlock;
    private readonly double[] beta, b, covariates;

    public MixedLogit(LogitDesign design)
    {
        this.design = design;
        p = design.FixedCount;
        q = design.BlockSize;
        terms = design.Terms.Count;
        ones = 1 + design.Scheme.Variables.Count;
        var n = design.CellPattern.Length;
        cellOnes = new int[n * ones];
        cellOnesCount = new int[n];
        cellBlock = new int[n * terms];
        for (var c = 0; c < n; c++)
        {
            cellOnesCount[c] = design.PatternOnes(design.CellPattern[c], cellOnes.AsSpan(c * ones, ones));
            design.BlockIndices(design.CellPattern[c], cellBlock.AsSpan(c * terms, terms));
        }
        covariates = new double[design.StateCount * design.CovariateCount];
        for (var s = 0; s < design.StateCount; s++)
            for (var j = 0; j < design.CovariateCount; j++) covariates[s * design.CovariateCount + j] = design.Covariates[s, j];
        beta = new double[p];
        b = new double[design.StateCount * q];
        var k = design.Successes.Sum();
        var m = design.Trials.Sum();
        beta[0] = m > 0 ? Math.Log((k + 0.5) / (m - k + 0.5)) : 0;
        passes = new StrongBox<int>();
    }

    /// <summary>A second solver on the same design (its own current effects, the layout shared), starting at <paramref name="start"/>.</summary>
    private MixedLogit(MixedLogit other, LogitMode start)
    {
        (design, p, q, terms, ones) = (other.design, other.p, other.q, other.terms, other.ones);
        (cellOnes, cellOnesCount, cellBlock, covariates, passes) = (other.cellOnes, other.cellOnesCount, other.cellBlock, other.covariates,
            other.passes);
        beta = (double[])start.Beta.Clone();
        b = (double[])start.B.Clone();
    }

    private readonly StrongBox<int> passes;

    public LogitDesign Design => design;

    /// <summary>
    /// Passes over the fitting cells so far by this solver and its forks (each a Newton step or a step taken back), for
    /// progress reports.
    /// </summary>
    public int Passes => passes.Value;

    /// <summary>A solver for another thread, starting at <paramref name="start"/>.</summary>
    public MixedLogit Fork(LogitMode start) => new(this, start);

    /// <summary>Makes <paramref name="start"/> the starting point of the next <see cref="Mode"/>.</summary>
    public void StartAt(LogitMode start)
    {
        start.Beta.CopyTo(beta, 0);
        start.B.CopyTo(b, 0);
    }

    /// <summary>The linear predictor of every fitting cell at a mode.</summary>
    public double[] LinearPredictors(LogitMode mode)
    {
        var eta = new double[design.CellPattern.Length];
        for (var c = 0; c < eta.Length; c++) eta[c] = Eta(c, mode.Beta, mode.B, mode.Sigma);
        return eta;
    }

    /// <summary>The linear predictor of fitting cell c at (β, b) and σ.</summary>
    private double Eta(int c, ReadOnlySpan<double> bt, ReadOnlySpan<double> bb, ReadOnlySpan<double> sigma)
    {
        var eta = 0.0;
        for (var j = 0; j < cellOnesCount[c]; j++) eta += bt[cellOnes[c * ones + j]];
        var s = design.CellState[c];
        for (var j = 0; j < design.CovariateCount; j++) eta += bt[design.PatternColumns + j] * covariates[s * design.CovariateCount + j];
        for (var t = 0; t < terms; t++) eta += sigma[t] * bb[s * q + cellBlock[c * terms + t]];
        return eta;
    }

    /// <summary>
    /// Runs Newton from the current (β, b) to the joint mode at <paramref name="sigma"/> (warm starts make repeated calls cheap).
    /// Each pass over the cells gives the penalised log-likelihood with its gradient and Hessian; a step that lowered it is
    /// taken back half-way instead of being solved from.
    /// </summary>
    public LogitMode Mode(double[] sigma)
    {
        var system = new NewtonSystem(p, q, design.StateCount);
        var savedBeta = new double[p];
        var savedB = new double[b.Length];
        var previous = double.NegativeInfinity;
        var factor = 1.0;
        for (var iteration = 1; iteration <= MaxIterations; iteration++)
        {
            Interlocked.Increment(ref passes.Value);
            var value = Accumulate(system, sigma);
            if (value < previous - 1e-10 * (1 + Math.Abs(previous)))
            {
                factor /= 2;
                Move(savedBeta, savedB, system, factor);
                continue;
            }
            if (!system.Solve())
                throw new InvalidOperationException("The small-area model's Newton system is not positive definite: " +
                    "a demographic level has no respondents, or a covariate is constant.");
            if (system.MaxStep() < 1e-8 || factor < 1e-6)
                return new LogitMode((double[])sigma.Clone(), (double[])beta.Clone(), (double[])b.Clone(), value - 0.5 * system.LogDetBlocks,
                    system.Schur, system.BlockFactors, system.Coupling, iteration);
            beta.CopyTo(savedBeta, 0);
            b.CopyTo(savedB, 0);
            previous = value;
            factor = 1;
            Move(savedBeta, savedB, system, factor);
        }
        throw new InvalidOperationException($"The small-area model did not converge in {MaxIterations} Newton steps at σ " +
            $"= {string.Join(", ", sigma)}.");
    }

    /// <summary>(β, b) = saved + factor × the system's Newton step.</summary>
    private void Move(double[] savedBeta, double[] savedB, NewtonSystem system, double factor)
    {
        for (var j = 0; j < p; j++) beta[j] = savedBeta[j] + factor * system.StepBeta[j];
        for (var j = 0; j < b.Length; j++) b[j] = savedB[j] + factor * system.StepB[j];
    }

    /// <summary>
    /// Gradient and negative Hessian of the penalised log-likelihood Σ k η − m log(1 + e^η) − ½|b|² at the current (β,
    /// b); returns its value.
    /// </summary>
    private double Accumulate(NewtonSystem system, double[] sigma)
    {
        system.Reset(b);
        var value = 0.0;
        foreach (var x in b) value -= 0.5 * x * x;
        Span<int> block = stackalloc int[terms];
        for (var c = 0; c < design.CellPattern.Length; c++)
        {
            var eta = Eta(c, beta, b, sigma);
            var e = Math.Exp(-Math.Abs(eta));
            value += design.Successes[c] * eta - design.Trials[c] * (Math.Max(eta, 0) + Math.Log(1 + e));
            var mu = eta >= 0 ? 1 / (1 + e) : e / (1 + e);
            var w = design.Trials[c] * mu * (1 - mu);
            var r = design.Successes[c] - design.Trials[c] * mu;
            var s = design.CellState[c];
            for (var t = 0; t < terms; t++) block[t] = cellBlock[c * terms + t];
            system.AddCell(s, cellOnes.AsSpan(c * ones, cellOnesCount[c]), design.PatternColumns, Row(s), block, sigma, w, r);
        }
        return value;
    }

    private ReadOnlySpan<double> Row(int state) => covariates.AsSpan(state * design.CovariateCount, design.CovariateCount);
}
