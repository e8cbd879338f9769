using System.Diagnostics;
using System.Globalization;
using PopHealth.Workbook;

namespace PopHealth.Modeling;

/// <summary>Options for <see cref="Sweeper.Run"/>.</summary>
/// <param name="Folds">Cross-validation folds (stratified).</param>
/// <param name="Parallelism">Fits running at once (each single-threaded); 0 = all cores.</param>
public sealed record SweepOptions(int Folds = 3, int Parallelism = 0);

/// <summary>
/// Successive halving (<see cref="Sweeper.Halve"/>): every setting is cross-validated on a small stratified sample of the
/// sweep rows, the best 1/<paramref name="Rate"/> go on to <paramref name="Rate"/> times the rows, and so on up to all of them.
/// </summary>
/// <param name="Rate">Each rung keeps the best 1/Rate of its settings (rounded up) and gives them Rate times the rows.</param>
/// <param name="MinRungRows">The first rung's rows at least: fewer sweep rows than Rate × this sweep every setting on all of them (one rung).</param>
public sealed record HalvingOptions(int Rate = 3, int MinRungRows = 5_000)
{
    /// <summary>Rows of each rung, smallest first, ending with all <paramref name="rows"/>; one rung for a single setting.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2208:Instantiate argument exceptions correctly",
        Justification = "Rate is the record's own positional parameter: the options are the argument at fault.")]
    public IReadOnlyList<int> RungRows(int rows, int settings)
    {
        if (Rate < 2) throw new ArgumentOutOfRangeException(nameof(Rate), Rate, "Halving needs a rate of at least 2.");
        var sizes = new List<int> { rows };
        for (var kept = settings; kept > 1 && sizes[^1] / Rate >= MinRungRows; kept = Survivors(kept)) sizes.Add(sizes[^1] / Rate);
        sizes.Reverse();
        return sizes;
    }

    /// <summary>Settings a rung of <paramref name="settings"/> passes on to the next.</summary>
    public int Survivors(int settings) => Math.Max(1, (settings + Rate - 1) / Rate);
}

/// <summary>One setting's cross-validated result.</summary>
/// <param name="StagedFrom">Null when the setting had fits of its own; else the tree count of the fit whose first trees it was read from.</param>
/// <param name="CvRows">The rows it was cross-validated on (with successive halving, those of the last rung it reached).</param>
public sealed record TrialResult(int Trial, string Name, ModelSpec Spec, double MeanAuc, double SdAuc, IReadOnlyList<double> FoldAuc, double Seconds,
    int? StagedFrom = null, int CvRows = 0)
{
    /// <summary>A leaderboard row.</summary>
    public LeaderboardRow Row(int rank) => new(rank, Name, Spec.Trainer.ToString(), Spec.Settings, CvRows, Math.Round(MeanAuc, 4),
        Math.Round(SdAuc, 4), Math.Round(Seconds, 1), Spec.Origin, StagedFrom is { } k ? $"first {Spec.Trees} trees of the {k}-tree fit" : "own fit");

    /// <summary>Leaderboard order: settings that reached more rows first (their AUCs are comparable among themselves), then by CV AUC.</summary>
    public static IOrderedEnumerable<TrialResult> Ranked(IEnumerable<TrialResult> trials) =>
        trials.OrderByDescending(t => t.CvRows).ThenByDescending(t => t.MeanAuc).ThenBy(t => t.Name, StringComparer.Ordinal);
}

/// <summary>
/// A leaderboard line: the rows it was cross-validated on, mean ± sd of the fold AUCs and the seconds its fits took (summed
/// over folds; a staged setting's share of its fit).
/// </summary>
public sealed record LeaderboardRow(int Rank, string Name, string Trainer, string Settings, int CvRows, double CvAuc, double CvAucSd, double Seconds,
    string Origin, string Fit);

/// <summary>Live progress of a sweep (<paramref name="Rung"/>: which rung of a successive halving, else null).</summary>
public sealed record SweepProgress(int FitsDone, int FitsTotal, TrialResult? Finished, string? Rung = null)
{
    public override string ToString() => (Rung is null ? "" : Rung + ": ") + (Finished is { } t
        ? $"{FitsDone}/{FitsTotal} fits — {t.Name}: CV AUC {t.MeanAuc:F4} ± {t.SdAuc:F4}"
        : $"{FitsDone}/{FitsTotal} fits");
}

/// <summary>A finished sweep: every trial, best first, and each trial's out-of-fold probabilities.</summary>
public sealed class SweepRun
{
    internal SweepRun(IReadOnlyList<TrialResult> trials, IReadOnlyDictionary<int, float[]> outOfFold, int[] rows, TimeSpan elapsed,
        IReadOnlyList<SweepRun>? rungs = null)
    {
        Trials = TrialResult.Ranked(trials).ToArray();
        this.outOfFold = outOfFold;
        Rows = rows;
        Elapsed = elapsed;
        Rungs = rungs ?? [this];
    }

    private readonly IReadOnlyDictionary<int, float[]> outOfFold;

    /// <summary>
    /// Every setting once, those that reached the most rows first, then by cross-validated AUC: <see cref="Best"/> is
    /// the best on all <see cref="Rows"/>.
    /// </summary>
    public IReadOnlyList<TrialResult> Trials { get; }
    public TrialResult Best => Trials[0];
    /// <summary>The rows (matrix indices) the sweep's last rung cross-validated on: all the rows it was given.</summary>
    public int[] Rows { get; }
    public TimeSpan Elapsed { get; }
    /// <summary>
    /// Each rung of a successive halving, smallest first (the first holds every setting on the same rows); a plain
    /// sweep is its own one rung.
    /// </summary>
    public IReadOnlyList<SweepRun> Rungs { get; }
    public IReadOnlyList<LeaderboardRow> Leaderboard => Trials.Select((t, i) => t.Row(i + 1)).ToArray();
    /// <summary>Out-of-fold probabilities of a trial that had fits of its own on all <see cref="Rows"/>, aligned with them; null otherwise.</summary>
    public float[]? OutOfFold(TrialResult trial) => outOfFold.TryGetValue(trial.Trial, out var p) ? p : null;

    /// <summary>How many settings each rung cross-validated on how many rows, e.g. "21 on 6,666 rows → 7 on 20,000 → 3 on 60,000".</summary>
    public string RungSummary => string.Join(" → ", Rungs.Select((r, i) => $"{r.Trials.Count} on {r.Rows.Length:N0}" + (i == 0 ? " rows" : "")));

    /// <summary>Seconds each rung took, smallest rows first.</summary>
    public IReadOnlyList<double> RungSeconds => Rungs.Select(r => Math.Round(r.Elapsed.TotalSeconds, 1)).ToArray();

    /// <summary>This run with its trials numbered as <paramref name="original"/>[k] in a larger list of settings (a rung of a halving).</summary>
    internal SweepRun Renumbered(IReadOnlyList<int> original, string namePrefix) => new(
        Trials.Select(t => t with { Trial = original[t.Trial], Name = Sweeper.TrialName(namePrefix, original[t.Trial]) }).ToArray(),
        outOfFold.ToDictionary(e => original[e.Key], e => e.Value), Rows, Elapsed);
}

/// <summary>The original's grid and a budgeted random search, cross-validated on AUC with every fit in parallel.</summary>
public static class Sweeper
{
    /// <summary>
    /// The original project's grid: random forest trees {100, 200, 300} × depth {4, 6, 8}; gradient-boosted trees
    /// iterations {20, 40, 60, 80} × depth {4, 6, 8}.
    /// </summary>
    public static IReadOnlyList<ModelSpec> OriginalGrid() =>
    [
        .. from trees in OriginalForestTrees from depth in OriginalDepths select ModelSpec.FromDepth(TrainerKind.FastForest, trees, depth),
        .. from iterations in OriginalBoostingIterations from depth in OriginalDepths
           select ModelSpec.FromDepth(TrainerKind.LightGbm, iterations, depth),
    ];

    private static readonly int[] OriginalForestTrees = [100, 200, 300];
    private static readonly int[] OriginalBoostingIterations = [20, 40, 60, 80];
    private static readonly int[] OriginalDepths = [4, 6, 8];

    /// <summary>
    /// <paramref name="trials"/> settings drawn at random (seeded) over LightGBM (half), FastTree (three in ten) and
    /// FastForest (one in five): trees, leaves, learning rate, minimum leaf size, feature fraction, L2 — log-uniform where scale matters.
    /// </summary>
    public static IReadOnlyList<ModelSpec> Search(int trials, int seed)
    {
        var random = new Random(seed);
        int LogInt(int low, int high) => (int)Math.Round(Math.Exp(Math.Log(low) + random.NextDouble() * (Math.Log(high) - Math.Log(low))));
        double LogDouble(double low, double high) => Math.Round(Math.Exp(Math.Log(low) + random.NextDouble() * (Math.Log(high) - Math.Log(low))), 4);
        double Uniform(double low, double high) => Math.Round(low + random.NextDouble() * (high - low), 3);
        var specs = new List<ModelSpec>();
        for (var t = 0; t < trials; t++)
        {
            var pick = (t % 10) switch { < 5 => TrainerKind.LightGbm, < 8 => TrainerKind.FastTree, _ => TrainerKind.FastForest };
            specs.Add(pick switch
            {
                TrainerKind.LightGbm => new ModelSpec(pick, LogInt(60, 600), LogInt(8, 96), null, LogDouble(0.02, 0.2), LogInt(10, 300),
                    Uniform(0.5, 1), new[] { 0, 0.1, 1, 10 }[random.Next(4)], "search"),
                TrainerKind.FastTree => new ModelSpec(pick, LogInt(60, 400), LogInt(8, 64), null, LogDouble(0.03, 0.2), LogInt(10, 300),
                    Uniform(0.5, 1), 0, "search"),
                _ => new ModelSpec(pick, LogInt(100, 400), LogInt(32, 512), null, 0.1, LogInt(1, 50), Uniform(0.5, 0.9), 0, "search"),
            });
        }
        return specs;
    }

    /// <summary>
    /// Cross-validates every setting on <paramref name="rows"/> of <paramref name="data"/> (stratified folds from the seed).
    /// Settings that differ only in their number of trees are one fit per fold: the smaller ones are read from the
    /// first trees of the largest (<see cref="StagedEnsemble"/>; exact for boosting, an independent-tree forest for
    /// forests). All fits run in parallel, each single-threaded, so the leaderboard does not depend on scheduling:
    /// the same seed gives the same leaderboard.
    /// </summary>
    public static SweepRun Run(ModelMatrix data, IReadOnlyList<int> rows, IReadOnlyList<ModelSpec> specs, int seed,
        SweepOptions? options = null, IProgress<SweepProgress>? progress = null, string namePrefix = "trial")
    {
        options ??= new SweepOptions();
        if (specs.Count == 0) throw new ArgumentException("No settings to sweep.");
        var watch = Stopwatch.StartNew();
        var sweep = new CrossValidation(data, rows.ToArray(), specs, seed, options, progress, namePrefix);
        var families = Enumerable.Range(0, specs.Count).GroupBy(i => specs[i] with { Trees = 0 })
            .Select(g => g.OrderBy(i => specs[i].Trees).ToArray()).ToArray();
        var work = from family in families from f in Enumerable.Range(0, options.Folds) select (Members: family, Fold: f);
        Parallel.ForEach(work,
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism > 0 ? options.Parallelism : Environment.ProcessorCount },
            item => sweep.FitFamily(item.Members, item.Fold));
        return sweep.ToRun(watch.Elapsed);
    }

    /// <summary>
    /// Successive halving over <paramref name="specs"/>: the first rung cross-validates every setting on a stratified sample of
    /// <paramref name="rows"/> (nested: each rung's rows hold the previous rung's), each later rung the best of the one before on
    /// <see cref="HalvingOptions.Rate"/> times the rows, the last on all of them. Cheap settings are not favoured: a setting that
    /// loses on few rows is dropped whatever its cost, so slow, weak families (here the forests) cost one small rung. Every rung
    /// is a <see cref="Run"/>, so it stages tree counts, runs in parallel and is as deterministic.
    /// </summary>
    public static SweepRun Halve(ModelMatrix data, IReadOnlyList<int> rows, IReadOnlyList<ModelSpec> specs, int seed, SweepOptions? options = null,
        HalvingOptions? halving = null, IProgress<SweepProgress>? progress = null, string namePrefix = "trial")
    {
        halving ??= new HalvingOptions();
        var watch = Stopwatch.StartNew();
        var sizes = halving.RungRows(rows.Count, specs.Count);
        var alive = Enumerable.Range(0, specs.Count).ToArray();
        var rungs = new List<SweepRun>();
        for (var r = 0; r < sizes.Count; r++)
        {
            var rungRows = Splits.Subsample(rows, data.Labels, sizes[r], seed);
            var label = $"rung {r + 1}/{sizes.Count} ({alive.Length} settings on {rungRows.Length:N0} rows)";
            var rungProgress = progress is null ? null : new Relabelled(progress, label);
            rungs.Add(Run(data, rungRows, alive.Select(s => specs[s]).ToArray(), seed, options, rungProgress, namePrefix)
                .Renumbered(alive, namePrefix));
            alive = rungs[^1].Trials.Take(halving.Survivors(alive.Length)).Select(t => t.Trial).Order().ToArray();
        }
        // Each setting's result from the last rung it reached.
        var last = rungs.SelectMany(r => r.Trials).GroupBy(t => t.Trial).Select(g => g.MaxBy(t => t.CvRows)!).ToArray();
        var final = rungs[^1];
        return new SweepRun(last, final.Trials.Where(t => final.OutOfFold(t) is not null).ToDictionary(t => t.Trial, t => final.OutOfFold(t)!),
            rows.ToArray(), watch.Elapsed, rungs);
    }

    internal static string TrialName(string namePrefix, int index) => $"{namePrefix}-{(index + 1).ToString("D2", CultureInfo.InvariantCulture)}";

    /// <summary>Passes progress on with the rung it belongs to.</summary>
    private sealed class Relabelled(IProgress<SweepProgress> inner, string rung) : IProgress<SweepProgress>
    {
        public void Report(SweepProgress value) => inner.Report(value with { Rung = rung });
    }

    /// <summary>One sweep's folds and per-setting, per-fold results, filled in by parallel fits.</summary>
    private sealed class CrossValidation
    {
        private readonly ModelMatrix data;
        private readonly int[] rows;
        private readonly IReadOnlyList<ModelSpec> specs;
        private readonly int seed;
        private readonly SweepOptions options;
        private readonly IProgress<SweepProgress>? progress;
        private readonly string namePrefix;
        private readonly ModelMatrix[] trainSets;
        private readonly int[][] validation;
        private readonly double[,] auc, seconds;
        private readonly int?[] stagedFrom;
        private readonly float[]?[] oof;
        private readonly int[] remaining;
        private int done;

        public CrossValidation(ModelMatrix data, int[] rows, IReadOnlyList<ModelSpec> specs, int seed, SweepOptions options,
            IProgress<SweepProgress>? progress, string namePrefix)
        {
            (this.data, this.rows, this.specs, this.seed, this.options, this.progress, this.namePrefix) =
                (data, rows, specs, seed, options, progress, namePrefix);
            var fold = Splits.Folds(rows, data.Labels, options.Folds, seed);
            trainSets = Enumerable.Range(0, options.Folds).Select(f => data.Subset(rows.Where((_, k) => fold[k] != f).ToArray())).ToArray();
            validation = Enumerable.Range(0, options.Folds).Select(f => Enumerable.Range(0, rows.Length).Where(k => fold[k] == f).ToArray())
                .ToArray();
            auc = new double[specs.Count, options.Folds];
            seconds = new double[specs.Count, options.Folds];
            stagedFrom = new int?[specs.Count];
            oof = Enumerable.Range(0, specs.Count).Select(_ => (float[]?)new float[rows.Length]).ToArray();
            remaining = Enumerable.Range(0, specs.Count).Select(_ => options.Folds).ToArray();
        }

        /// <summary>
        /// Fits the family's largest setting on one fold and reads the smaller ones from its first trees (fitting them
        /// when that is not possible).
        /// </summary>
        public void FitFamily(int[] members, int foldIndex)
        {
            var held = validation[foldIndex];
            var heldRows = held.Select(k => data.Rows[rows[k]]).ToArray();
            var heldLabels = held.Select(k => data.Labels[rows[k]]).ToArray();
            var largest = members[^1];
            var (model, largestSeconds) = FitAndScore(largest, foldIndex, held, heldRows, heldLabels);
            var smaller = members[..^1];
            if (smaller.Length == 0) return;
            var staged = StagedEnsemble.Scores(model, heldRows, smaller.Select(s => specs[s].Trees).ToArray());
            for (var m = 0; m < smaller.Length; m++)
            {
                var s = smaller[m];
                if (staged is null) { FitAndScore(s, foldIndex, held, heldRows, heldLabels); continue; }
                auc[s, foldIndex] = Statistics.Auc(staged[m], heldLabels);
                seconds[s, foldIndex] = largestSeconds * specs[s].Trees / specs[largest].Trees;
                stagedFrom[s] = specs[largest].Trees;
                oof[s] = null; // read from another fit: its own out-of-fold probabilities were never computed
                Finish(s);
            }
        }

        private (TrainedModel Model, double Seconds) FitAndScore(int s, int foldIndex, int[] held, float[][] heldRows, bool[] heldLabels)
        {
            var fitWatch = Stopwatch.StartNew();
            var fitted = TrainedModel.Fit(trainSets[foldIndex], specs[s], seed, threads: 1);
            var probabilities = fitted.RawProbabilities(heldRows);
            for (var i = 0; i < held.Length; i++) oof[s]![held[i]] = probabilities[i];
            auc[s, foldIndex] = Statistics.Auc(probabilities.Select(p => (double)p).ToArray(), heldLabels);
            seconds[s, foldIndex] = fitWatch.Elapsed.TotalSeconds;
            Finish(s);
            return (fitted, fitWatch.Elapsed.TotalSeconds);
        }

        private void Finish(int s)
        {
            var finished = Interlocked.Decrement(ref remaining[s]) == 0;
            var count = Interlocked.Increment(ref done);
            progress?.Report(new SweepProgress(count, specs.Count * options.Folds, finished ? Result(s) : null));
        }

        private TrialResult Result(int s)
        {
            var folds = Enumerable.Range(0, options.Folds).Select(f => auc[s, f]).ToArray();
            var mean = folds.Average();
            var sd = Math.Sqrt(folds.Sum(a => (a - mean) * (a - mean)) / Math.Max(1, folds.Length - 1));
            return new TrialResult(s, TrialName(namePrefix, s), specs[s], mean, sd, folds,
                Enumerable.Range(0, options.Folds).Sum(f => seconds[s, f]), stagedFrom[s], rows.Length);
        }

        public SweepRun ToRun(TimeSpan elapsed) => new(Enumerable.Range(0, specs.Count).Select(Result).ToArray(),
            Enumerable.Range(0, specs.Count).Where(s => oof[s] is not null).ToDictionary(s => s, s => oof[s]!), rows, elapsed);
    }
}
