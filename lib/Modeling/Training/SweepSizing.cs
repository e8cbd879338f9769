namespace PopHealth.Modeling;

/// <summary>
/// How many training rows the sweeps cross-validate on, and the rungs of their successive halving (<see cref="HalvingOptions"/>).
/// </summary>
/// <param name="Rows">Rows the sweeps' last rung uses at least (a stratified subsample of the training rows), unless
/// <paramref name="Share"/> of them is more (<see cref="RowsFor"/>); the chosen setting is refit on all of them.</param>
/// <param name="Share">On large data, the share of the training rows the sweeps use when that is more than
/// <paramref name="Rows"/>, up to <paramref name="MaxRows"/>.</param>
/// <param name="MaxRows">The most rows a share of large data gives the sweeps (their cost grows with the rows).</param>
/// <param name="HalvingRate">Each rung keeps the best 1/rate of the grid's and of the search's settings and gives them rate times the rows.</param>
/// <param name="MinRungRows">The first rung's rows at least (every setting is cross-validated there); it holds 1/rate²
/// of the sweep rows when that is more (<see cref="HalvingFor"/>).</param>
public sealed record SweepSizing(int Rows = 60_000, double Share = 0.3, int MaxRows = 360_000, int HalvingRate = 3, int MinRungRows = 5_000)
{
    /// <summary>
    /// The rows the sweeps cross-validate on, given the training rows: <see cref="Rows"/> (60,000), or <see cref="Share"/> of the
    /// training rows (30 %) when that is more, up to <see cref="MaxRows"/> (360,000); never more than there are. Settings chosen on
    /// 60,000 rows are smaller than a million rows support, so large data sweeps on more; the embedded sample (79,778 training rows;
    /// any data up to 200,000) sweeps on 60,000, the three national years (1,218,265) on 360,000. Sweeping them on 540,000 (45 %)
    /// chose the same setting and cost 100 s more.
    /// </summary>
    public int RowsFor(int trainingRows) => Math.Min(trainingRows, Math.Max(Rows, Math.Min(MaxRows, (int)(Share * trainingRows))));

    /// <summary>
    /// The halving for <paramref name="sweepRows"/>: rate <see cref="HalvingRate"/>, the first rung a ninth (1/rate²) of the rows
    /// and at least <see cref="MinRungRows"/>, so that more sweep rows give every rung more rows (6,666 → 20,000 → 60,000;
    /// 40,000 → 120,000 → 360,000) rather than more rungs below the same top, whose last would hold a single setting.
    /// </summary>
    public HalvingOptions HalvingFor(int sweepRows) => new(HalvingRate, Math.Max(MinRungRows, sweepRows / (HalvingRate * HalvingRate)));
}
