namespace PopHealth.Population.SmallArea;

/// <summary>A set of standard deviations drawn for the posterior, with its mode and importance weight.</summary>
internal sealed record SigmaDraw(LogitMode Mode, double LogWeight);

/// <summary>
/// The random effects' standard deviations: the maximum of the Laplace-approximated marginal likelihood (what lme4 reports),
/// then draws from their approximate posterior (uniform prior on each standard deviation, which is proper at zero and
/// what Gelman (2006) advises for a hierarchical scale with a few dozen groups) by sampling-importance-resampling: proposals
/// from a folded normal around the maximum, at least as wide as the likelihood, weighted by likelihood over proposal density.
/// Accounting for this uncertainty widens the intervals most where it matters, in states with few respondents.
/// </summary>
internal static class VarianceSearch
{
    private const double Golden = 0.3819660112501051;

    /// <summary>Maximises the Laplace likelihood over σ ≥ 0 by cycles of one-dimensional Brent searches (the
    /// likelihood is smooth and nearly separable in the σs; a σ at zero is a boundary maximum, as in lme4).</summary>
    public static LogitMode Maximise(MixedLogit model, double[] start, IProgress<string>? progress = null)
    {
        var sigma = (double[])start.Clone();
        var moves = sigma.Select(_ => double.NaN).ToArray();
        for (var cycle = 0; cycle < 40; cycle++)
        {
            var moved = 0.0;
            for (var t = 0; t < sigma.Length; t++)
            {
                var before = sigma[t];
                sigma[t] = Coordinate(model, sigma, t, moves[t]);
                moves[t] = Math.Abs(sigma[t] - before);
                moved = Math.Max(moved, moves[t]);
            }
            progress?.Report($"variance search cycle {cycle + 1}: " +
                $"σ = {string.Join(", ", sigma.Select(s => s.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)))}");
            if (moved < 1e-4) break;
        }
        return model.Mode(sigma);
    }

    /// <summary>The best σ_t with the others fixed: first over [0, max(1.5, 3σ_t)]; in later cycles within a few times the
    /// coordinate's last move of where it is (far fewer evaluations), searching the wide interval again if the best is at an edge.</summary>
    private static double Coordinate(MixedLogit model, double[] sigma, int t, double lastMove)
    {
        double F(double s) => Likelihood(model, sigma, t, s);
        var current = sigma[t];
        if (!double.IsNaN(lastMove))
        {
            var width = Math.Max(4 * lastMove, 0.005);
            double low = Math.Max(0, current - width), high = current + width;
            var best = LineMaximum(F, low, high, 1e-6, widen: false);
            if (best < high - width / 100 && (best > low + width / 100 || low == 0)) return best;
        }
        return LineMaximum(F, 0, Math.Max(1.5, 3 * current), 1e-6);
    }

    private static double Likelihood(MixedLogit model, double[] sigma, int t, double value)
    {
        var trial = (double[])sigma.Clone();
        trial[t] = value;
        return model.Mode(trial).LogLikelihood;
    }

    /// <summary>
    /// The maximiser of f on [low, high] by Brent's method (parabolic steps through the best three points, golden-section steps
    /// when a parabola misbehaves), widening the interval while the maximum sits at its top, and taking <paramref name="low"/>
    /// itself when it beats the interior maximum (a standard deviation at zero).
    /// </summary>
    public static double LineMaximum(Func<double, double> f, double low, double high, double tolerance, bool widen = true)
    {
        while (widen && f(high) > f(high * 0.9) && high < 50) high *= 2;
        double a = low, c = high, x = a + Golden * (c - a), w = x, v = x, fx = -f(x), fw = fx, fv = fx, d = 0, e = 0;
        for (var iteration = 0; iteration < 100; iteration++)
        {
            double middle = (a + c) / 2, tol1 = tolerance * Math.Abs(x) + 1e-9, tol2 = 2 * tol1;
            if (Math.Abs(x - middle) <= tol2 - (c - a) / 2) break;
            var golden = true;
            if (Math.Abs(e) > tol1)
            {
                double r = (x - w) * (fx - fv), s = (x - v) * (fx - fw), p = (x - v) * s - (x - w) * r;
                s = 2 * (s - r);
                if (s > 0) p = -p; else s = -s;
                if (Math.Abs(p) < Math.Abs(0.5 * s * e) && p > s * (a - x) && p < s * (c - x))
                {
                    e = d;
                    d = p / s;
                    if (x + d - a < tol2 || c - x - d < tol2) d = middle > x ? tol1 : -tol1;
                    golden = false;
                }
            }
            if (golden) { e = x >= middle ? a - x : c - x; d = Golden * e; }
            var u = x + (Math.Abs(d) >= tol1 ? d : d > 0 ? tol1 : -tol1);
            var fu = -f(u);
            if (fu <= fx)
            {
                if (u >= x) a = x; else c = x;
                (v, fv, w, fw, x, fx) = (w, fw, x, fx, u, fu);
            }
            else
            {
                if (u < x) a = u; else c = u;
                if (fu <= fw || w == x) (v, fv, w, fw) = (w, fw, u, fu);
                else if (fu <= fv || v == x || v == w) (v, fv) = (u, fu);
            }
        }
        return f(low) > -fx ? low : x;
    }

    /// <summary>
    /// Draws <paramref name="proposals"/> sets of σ around the maximum and weights each by its Laplace likelihood over its
    /// proposal density. Each proposal's scale is where the likelihood along that σ has fallen by 2 (two standard
    /// deviations for a normal shape), widened by half again so the proposal's tails cover the posterior's.
    /// </summary>
    public static IReadOnlyList<SigmaDraw> Sample(MixedLogit model, LogitMode maximum, int proposals, Random random)
    {
        var k = maximum.Sigma.Length;
        var scale = new double[k];
        for (var t = 0; t < k; t++) scale[t] = 1.5 * HalfWidth(model, maximum, t) / 2;
        var sigmas = new double[proposals][];
        var logProposal = new double[proposals];
        for (var i = 0; i < proposals; i++)
        {
            sigmas[i] = new double[k];
            for (var t = 0; t < k; t++)
            {
                sigmas[i][t] = Math.Abs(maximum.Sigma[t] + scale[t] * Gaussian.Next(random));
                logProposal[i] += Math.Log(FoldedNormal(sigmas[i][t], maximum.Sigma[t], scale[t]));
            }
        }
        // Each proposal's mode starts from the maximum's, so the result does not depend on which thread took which proposal.
        var draws = new SigmaDraw[proposals];
        Parallel.For(0, proposals, () => model.Fork(maximum), (i, _, solver) =>
        {
            solver.StartAt(maximum);
            var mode = solver.Mode(sigmas[i]);
            draws[i] = new SigmaDraw(mode, mode.LogLikelihood - maximum.LogLikelihood - logProposal[i]);
            return solver;
        }, _ => { });
        model.StartAt(maximum);
        return draws;
    }

    /// <summary>How far above the maximum σ_t must go for the likelihood to fall by 2 (bisection after doubling).</summary>
    private static double HalfWidth(MixedLogit model, LogitMode maximum, int t)
    {
        bool Below(double h) => Likelihood(model, maximum.Sigma, t, maximum.Sigma[t] + h) < maximum.LogLikelihood - 2;
        var high = Math.Max(0.01, 0.25 * maximum.Sigma[t]);
        while (!Below(high) && high < 20) high *= 2;
        var low = 0.0;
        for (var i = 0; i < 12; i++)
        {
            var middle = (low + high) / 2;
            if (Below(middle)) high = middle; else low = middle;
        }
        return high;
    }

    private static double FoldedNormal(double x, double mean, double scale) =>
        (Math.Exp(-0.5 * Math.Pow((x - mean) / scale, 2)) + Math.Exp(-0.5 * Math.Pow((x + mean) / scale, 2))) / (scale * Math.Sqrt(2 * Math.PI));

    /// <summary>Effective sample size of importance weights (given on the log scale).</summary>
    public static double EffectiveSize(IReadOnlyList<SigmaDraw> draws)
    {
        var max = draws.Max(d => d.LogWeight);
        double sum = 0, squares = 0;
        foreach (var d in draws) { var w = Math.Exp(d.LogWeight - max); sum += w; squares += w * w; }
        return sum * sum / squares;
    }
}

/// <summary>Standard normal draws from a seeded <see cref="Random"/> (Box–Muller), so every draw follows from the seed.</summary>
internal static class Gaussian
{
    public static double Next(Random random)
    {
        var u = 1 - random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
