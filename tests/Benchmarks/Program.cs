using System.Diagnostics;
using PopHealth.Features;
using PopHealth.Ingest;
using PopHealth.Modeling;
using PopHealth.Workbook;

// Usage:
//   PopHealth.Benchmarks convert <source> <output.parquet>
//   PopHealth.Benchmarks grid <2016 extract .csv.gz> [seed]   the original's grid on the seed recipe's training set
switch (args)
{
    case ["convert", var input, var output]:
    {
        var report = await BrfssConverter.ConvertAsync(input, output);
        using var self = Process.GetCurrentProcess();
        Console.WriteLine($"converted {report.Rows:N0} rows x {report.Columns} columns ({report.Profile.Name}) in {report.Elapsed.TotalSeconds:F1} s; peak working set {self.PeakWorkingSet64 / (1 << 20):N0} MiB");
        return 0;
    }
    case ["grid", var extract, ..]:
    {
        var seed = args.Length > 2 ? int.Parse(args[2]) : WorkbookParameters.DefaultSeed;
        var watch = Stopwatch.StartNew();
        var interim = Path.Combine(Path.GetTempPath(), $"pophealth-bench-{Environment.ProcessId}.parquet");
        await BrfssConverter.ConvertAsync(extract, interim);
        var features = await FeatureBuilder.BuildAsync(interim, Recipe.Seed);
        File.Delete(interim);
        var matrix = ModelMatrix.From(features);
        var split = Splits.OriginalBalanced(matrix.Labels, seed);
        Console.WriteLine($"seed recipe: {matrix.Count:N0} rows; training set {split.Train.Length:N0}, test {split.Test.Length:N0} ({watch.Elapsed.TotalSeconds:F1} s to here)");
        var sweepWatch = Stopwatch.StartNew();
        var sweep = Sweeper.Run(matrix, split.Train, Sweeper.OriginalGrid(), seed);
        foreach (var kind in new[] { TrainerKind.FastForest, TrainerKind.LightGbm })
        {
            var best = sweep.Trials.First(t => t.Spec.Trainer == kind);
            Console.WriteLine($"{kind}: best {best.Spec.Settings} CV AUC {best.MeanAuc:F4} ± {best.SdAuc:F4}");
        }
        foreach (var kind in new[] { TrainerKind.FastForest, TrainerKind.LightGbm })
            Console.WriteLine($"{kind}: {sweep.Trials.Where(t => t.Spec.Trainer == kind).Sum(t => t.Seconds):F1} s of fitting (summed over fits)");
        Console.WriteLine($"grid (21 settings x 3 folds): {sweepWatch.Elapsed.TotalSeconds:F1} s; whole run {watch.Elapsed.TotalSeconds:F1} s; best CV AUC {sweep.Best.MeanAuc:F4} ({sweep.Best.Name})");
        var model = TrainedModel.Fit(matrix.Subset(split.Train), sweep.Best.Spec, seed);
        var test = matrix.Subset(split.Test);
        var p = model.Probabilities(test.Rows);
        var m = BinaryMetrics.AtThreshold(p, test.Labels);
        Console.WriteLine($"best refit: test AUC {BinaryMetrics.Auc(p, test.Labels):F4} accuracy {m.Accuracy:F3} precision {m.Precision:F3} recall {m.Recall:F3} F1 {m.F1:F3}");
        return 0;
    }
    default:
        Console.Error.WriteLine("usage: PopHealth.Benchmarks convert <source> <output.parquet> | grid <2016 extract .csv.gz> [seed]");
        return 2;
}
