namespace PopHealth.Population.SmallArea;

/// <summary>
/// Posterior draws of the model's effects: fixed effects β (draw × p) and random effects u = σ·b (draw × state × q). Each draw
/// first picks a set of standard deviations from the importance-weighted proposals (systematic resampling), then draws
/// (β, b) from the Gaussian at that set's joint mode with the Newton system's precision (Laplace approximation).
/// </summary>
internal sealed class PosteriorDraws
{
    private PosteriorDraws(int count, int p, int states, int q)
    {
        Count = count;
        Beta = new double[count * p];
        Effects = new double[count * states * q];
        Shift = new double[count];
    }

    public int Count { get; }
    public double[] Beta { get; }
    public double[] Effects { get; }

    /// <summary>The calibration shift of each draw (its estimate plus its sampling error; see <see cref="WeightCalibration"/>).</summary>
    public double[] Shift { get; }

    public static PosteriorDraws Draw(LogitDesign design, IReadOnlyList<SigmaDraw> sigmas, WeightShift shift, int count, Random random)
    {
        int p = design.FixedCount, q = design.BlockSize, states = design.StateCount;
        var draws = new PosteriorDraws(count, p, states, q);
        var picks = Resample(sigmas, count, random);
        var z = new double[Math.Max(p, q)];
        var delta = new double[p];
        for (var d = 0; d < count; d++)
        {
            var mode = sigmas[picks[d]].Mode;
            draws.Shift[d] = shift.Shift + shift.StandardError * Gaussian.Next(random);
            for (var j = 0; j < p; j++) delta[j] = Gaussian.Next(random);
            SmallDense.SolveUpper(mode.SchurFactor, p, delta);
            for (var j = 0; j < p; j++) draws.Beta[d * p + j] = mode.Beta[j] + delta[j];
            for (var s = 0; s < states; s++)
            {
                var noise = z.AsSpan(0, q);
                for (var i = 0; i < q; i++) noise[i] = Gaussian.Next(random);
                SmallDense.SolveUpper(mode.BlockFactor.AsSpan(s * q * q, q * q), q, noise);
                for (var i = 0; i < q; i++)
                {
                    var value = mode.B[s * q + i] + noise[i];
                    for (var j = 0; j < p; j++) value -= mode.BlockCoupling[s * q * p + i * p + j] * delta[j];
                    draws.Effects[(d * states + s) * q + i] = mode.Sigma[TermOf(design, i)] * value;
                }
            }
        }
        return draws;
    }

    private static int TermOf(LogitDesign design, int index)
    {
        var t = 0;
        while (t + 1 < design.Terms.Count && design.TermOffset[t + 1] <= index) t++;
        return t;
    }

    /// <summary>Systematic resampling: <paramref name="count"/> indices into <paramref name="sigmas"/> with frequencies proportional
    /// to their importance weights, in a seeded random order.</summary>
    private static int[] Resample(IReadOnlyList<SigmaDraw> sigmas, int count, Random random)
    {
        var max = sigmas.Max(s => s.LogWeight);
        var weights = sigmas.Select(s => Math.Exp(s.LogWeight - max)).ToArray();
        var total = weights.Sum();
        var picks = new int[count];
        var step = total / count;
        var position = random.NextDouble() * step;
        var cumulative = weights[0];
        var index = 0;
        for (var d = 0; d < count; d++, position += step)
        {
            while (position > cumulative && index + 1 < weights.Length) cumulative += weights[++index];
            picks[d] = index;
        }
        random.Shuffle(picks);
        return picks;
    }
}
