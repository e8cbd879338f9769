using System.Diagnostics;
using System.Globalization;
using PopHealth.Features;
using PopHealth.Ingest;
using Microsoft.Data.Analysis;
using PopHealth.Modeling;
using PopHealth.Scoring;
using PopHealth.Tracking;
using PopHealth.Workbook;

// Usage:
//   PopHealth.Benchmarks convert <source> <output.parquet>
//   PopHealth.Benchmarks convert-profile <source.xpt> <output.parquet>   hashing, decoding and writing timed one at a time
//   PopHealth.Benchmarks grid <2016 extract .csv.gz> [seed]   the original's grid on the seed recipe's training set
//   PopHealth.Benchmarks score-prepare <2016 extract .csv.gz> <dir> [rows]   model + registry + input for the scoring benchmark
//   PopHealth.Benchmarks score <dir>                            batch-scores <dir>/input.parquet with models:/pophealth-rfhlth@prod
//   PopHealth.Benchmarks seed-parity <2016 extract .csv.gz> <dump.csv>   our seed features against seed_recipe.py --dump
//   PopHealth.Benchmarks shap <2016 extract .csv.gz> [rows] [trees] [leaves]   TreeSHAP of [rows] rows on a LightGbm model (improved recipe)
// PopHealth.Benchmarks crc-sample <dir> ours.parquet (page checksums), ours.csv (the values as the workbook reads
// them), damaged.parquet (64 bytes of one data page flipped) PopHealth.Benchmarks crc-cost <dir> [rounds] time of
// writing and of verifying <dir>/input.parquet's page checksums
switch (args)
{
    case ["convert", var input, var output]:
    {
        var report = await BrfssConverter.ConvertAsync(input, output);
        using var self = Process.GetCurrentProcess();
        Console.WriteLine($"converted {report.Rows:N0} rows x {report.Columns} columns ({report.Profile.Name}) " +
            $"in {report.Elapsed.TotalSeconds:F1} s; peak working set {self.PeakWorkingSet64 / (1 << 20):N0} MiB");
        return 0;
    }
    case ["convert-profile", var input, var output]:
    {
        // Where the conversion's time goes: each part alone on one core (wall and this process's CPU), then the whole
        // conversion, which overlaps them on the machine's cores.
        using var self = Process.GetCurrentProcess();
        (double Wall, double Cpu) Timed(Action part)
        {
            self.Refresh();
            var cpu = self.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            part();
            var wall = watch.Elapsed.TotalSeconds;
            self.Refresh();
            return (wall, (self.TotalProcessorTime - cpu).TotalSeconds);
        }
        void Show(string what, (double Wall, double Cpu) t) => Console.WriteLine($"{what}: {t.Wall:F2} s wall, {t.Cpu:F2} s CPU");
        async Task Whole(string when)
        {
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
            var report = await BrfssConverter.ConvertAsync(input, output);
            self.Refresh();
            Console.WriteLine($"whole conversion " +
                $"({when}): {report.Elapsed.TotalSeconds:F2} s wall, {(self.TotalProcessorTime - cpuBefore).TotalSeconds:F2} s CPU " +
                $"({Environment.ProcessorCount} cores); output {new FileInfo(output).Length / 1e6:F1} MB");
        }
        await Whole("first in the process, as a notebook runs it");
        Show("sha256 alone",
            Timed(() => { using var file = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read,
                1 << 20); System.Security.Cryptography.SHA256.HashData(file); }));
        var rowGroup = new ConversionOptions().RowGroupSize;
        long rows = 0;
        RowBlock? first = null;
        Show("read and decode alone", Timed(() =>
        {
            using var reader = PopHealth.Ingest.Xpt.XptReader.Open(input);
            var block = new RowBlock(reader.Columns, 0);
            first = reader.ReadBlock(new RowBlock(reader.Columns, 0), rowGroup);
            rows = first.RowCount;
            while (reader.ReadBlock(block, rowGroup).RowCount > 0) rows += block.RowCount;
        }));
        var groups = (int)(rows / first!.RowCount);
        var fields = first.Columns
            .Select(c => c.Kind == ColumnKind.Numeric ? (Parquet.Schema.DataField)new Parquet.Schema.DataField<double?>(c.Name)
                : new Parquet.Schema.DataField<string>(c.Name)).ToArray();
        var plain = output + ".parquet-net";
        Show($"Parquet.Net writing alone ({groups} row groups of the same {first.RowCount:N0} rows, Snappy, no page checksums)",
            Timed(() => Task.Run(async () =>
        {
            await using var stream = File.Create(plain);
            await using var writer = await Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema(fields), stream,
                new Parquet.ParquetOptions { CompressionMethod = Parquet.CompressionMethod.Snappy });
            for (var g = 0; g < groups; g++)
            {
                using var group = writer.CreateRowGroup();
                for (var c = 0; c < fields.Length; c++)
                    if (first.Present[c] is { } present)
                        await group.WriteAllPartsAsync<double>(fields[c], present.AsMemory(0, first.PresentCount[c]),
                            first.Defined[c].AsMemory(0, first.RowCount), null, CancellationToken.None);
                    else await group.WriteAsync(fields[c], new ArraySegment<string>(first.Texts[c]!, 0, first.RowCount));
            }
        }).GetAwaiter().GetResult()));
        var withChecksums = output + ".checksums";
        File.Delete(withChecksums);
        Show($"page-checksum pass alone over that file ({new FileInfo(plain).Length / 1e6:F1} MB, with its flush to disk)",
            Timed(() => ParquetChecksums.Add(plain, withChecksums)));
        File.Delete(plain);
        File.Delete(withChecksums);
        await Whole("again, its code compiled by now");
        return 0;
    }
    case ["grid", var extract, ..]:
    {
        var seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : WorkbookParameters.DefaultSeed;
        var watch = Stopwatch.StartNew();
        var interim = Path.Combine(Path.GetTempPath(), $"pophealth-bench-{Environment.ProcessId}.parquet");
        await BrfssConverter.ConvertAsync(extract, interim);
        var features = await FeatureBuilder.BuildAsync(interim, Recipe.Original);
        File.Delete(interim);
        var matrix = ModelMatrix.From(features);
        var split = Splits.OriginalBalanced(matrix.Labels, seed);
        Console.WriteLine($"seed recipe: {matrix.Count:N0} rows; training set {split.Train.Length:N0}, test {split.Test.Length:N0} " +
            $"({watch.Elapsed.TotalSeconds:F1} s to here)");
        var sweepWatch = Stopwatch.StartNew();
        var sweep = Sweeper.Run(matrix, split.Train, Sweeper.OriginalGrid(), seed);
        foreach (var kind in new[] { TrainerKind.FastForest, TrainerKind.LightGbm })
        {
            var best = sweep.Trials.First(t => t.Spec.Trainer == kind);
            Console.WriteLine($"{kind}: best {best.Spec.Settings} CV AUC {best.MeanAuc:F4} ± {best.SdAuc:F4}");
        }
        foreach (var kind in new[] { TrainerKind.FastForest, TrainerKind.LightGbm })
            Console.WriteLine($"{kind}: {sweep.Trials.Where(t => t.Spec.Trainer == kind).Sum(t => t.Seconds):F1} s of fitting (summed over fits)");
        Console.WriteLine($"grid (21 settings x 3 folds): {sweepWatch.Elapsed.TotalSeconds:F1} s; whole run {watch.Elapsed.TotalSeconds:F1} s; " +
            $"best CV AUC {sweep.Best.MeanAuc:F4} ({sweep.Best.Name})");
        var model = TrainedModel.Fit(matrix.Subset(split.Train), sweep.Best.Spec, seed);
        var test = matrix.Subset(split.Test);
        var p = model.Probabilities(test.Rows);
        var m = BinaryMetrics.AtThreshold(p, test.Labels);
        Console.WriteLine($"best refit: test AUC {Statistics.Auc(p, test.Labels):F4} accuracy {m.Accuracy:F3} precision {m.Precision:F3} " +
            $"recall {m.Recall:F3} F1 {m.F1:F3}");
        return 0;
    }
    case ["score-prepare", var extract, var dir, ..]:
    {
        var rows = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1_000_000;
        var seed = WorkbookParameters.DefaultSeed;
        Directory.CreateDirectory(dir);
        var interim = Path.Combine(dir, "interim.parquet");
        await BrfssConverter.ConvertAsync(extract, interim);
        var features = await FeatureBuilder.BuildAsync(interim, Recipe.Original);
        var matrix = ModelMatrix.From(features);
        var split = Splits.OriginalBalanced(matrix.Labels, seed);
        var train = matrix.Subset(split.Train);
        // The grid's best gradient-boosted setting: 80 iterations of depth 4 (scikit-learn: n_estimators=80, max_depth=4).
        var model = TrainedModel.Fit(train, ModelSpec.FromDepth(TrainerKind.LightGbm, 80, 4), seed).WithScoringInfo(0.5, train);
        var store = new MlflowStore(Path.Combine(dir, "mlruns"));
        var run = store.StartRun(store.GetOrCreateExperiment("benchmark"), "score-benchmark");
        ModelArtifacts.LogModel(run, model, trainingRows: train.Rows);
        run.End();
        store.SetAlias(WorkbookModel.Name, WorkbookModel.Alias, store.RegisterModel(WorkbookModel.Name, run).Version);
        await File.WriteAllLinesAsync(Path.Combine(dir, "train.csv"),
            train.Rows.Select((r, i) => string.Join(",", r.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "," +
                (train.Labels[i] ? 1 : 0))
            .Prepend(string.Join(",", matrix.FeatureNames) + ",label"));
        var random = new Random(seed);
        var picks = Enumerable.Range(0, rows).Select(_ => random.Next(matrix.Count)).ToArray();
        var input = new DataFrame(new Int64DataFrameColumn(FeatureSet.RespondentId, Enumerable.Range(1, rows).Select(i => (long)i)));
        for (var j = 0; j < matrix.FeatureNames.Count; j++)
            input.Columns.Add(new DoubleDataFrameColumn(matrix.FeatureNames[j], picks.Select(p => (double?)matrix.Rows[p][j])));
        await ParquetFrames.WriteAsync(input, Path.Combine(dir, "input.parquet"), rowGroupSize: 100_000);
        await File.WriteAllLinesAsync(Path.Combine(dir, "input.csv"),
            picks.Select(p => string.Join(",", matrix.Rows[p].Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))))
            .Prepend(string.Join(",", matrix.FeatureNames)));
        Console.WriteLine($"prepared {rows:N0} rows to score, model trained on {train.Count:N0} rows, in {dir}");
        return 0;
    }
    case ["score", var dir, ..] when args.Length <= 3:
    {
        // Like for like with predict_proba: no explanations unless asked ("score <dir> 3" adds the top three SHAP drivers per row).
        var drivers = args.Length == 3 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0;
        using var self = Process.GetCurrentProcess();
        var sinceStart = DateTime.Now - self.StartTime; // process start (runtime, host) up to here
        var watch = Stopwatch.StartNew();
        // Store, model, input check and scoring as BatchScorer runs them together (the model loads while the input's pages are checked).
        var report = await BatchScorer.ScoreAsync(Path.Combine(dir, "input.parquet"), Path.Combine(dir, "predictions.parquet"),
            new MlflowStore(Path.Combine(dir, "mlruns")), new ScoringOptions(Drivers: drivers));
        var total = watch.Elapsed;
        self.Refresh();
        Console.WriteLine($"scored {report.Scored:N0} of {report.Rows:N0} rows in {report.Elapsed.TotalSeconds:F2} s " +
            $"({report.Rows / report.Elapsed.TotalSeconds:N0} rows/s; {report.Engine}); peak working set {self.PeakWorkingSet64 / (1 << 20):N0} MiB");
        Console.WriteLine($"   stages: start to Main {sinceStart.TotalSeconds:F2} s, " +
            $"store + model + input check {(total - report.Elapsed).TotalSeconds:F2} s, read + score + write {report.Elapsed.TotalSeconds:F2} s; " +
            $"CPU {self.TotalProcessorTime.TotalSeconds:F2} s; pipeline stages (overlapping) {report.Stages}; " +
            $"GC {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} (gen 0/1/2), " +
            $"paused {GC.GetTotalPauseDuration().TotalSeconds:F2} s, allocated {GC.GetTotalAllocatedBytes() / (1 << 20):N0} MiB");
        return 0;
    }
    case ["crc-sample", var dir]:
    {
        Directory.CreateDirectory(dir);
        const int rows = 50_000;
        var random = new Random(WorkbookParameters.DefaultSeed);
        var frame = new DataFrame(
            new Int64DataFrameColumn("respondent_id", Enumerable.Range(0, rows).Select(i => (long?)(1_000_000_007L * i))),
            new DoubleDataFrameColumn("probability", Enumerable.Range(0, rows).Select(i => i % 17 == 0 ? null : (double?)random.NextDouble())),
            new Int32DataFrameColumn("code", Enumerable.Range(0, rows).Select(i => i % 9 == 0 ? null : (int?)(i % 5))),
            new StringDataFrameColumn("risk_tier", Enumerable.Range(0, rows).Select(i => i % 13 == 0 ? null : RiskTiers.All[i % 4].Name)),
            new BooleanDataFrameColumn("out_of_range", Enumerable.Range(0, rows).Select(i => (bool?)(i % 7 == 0))));
        var ours = Path.Combine(dir, "ours.parquet");
        await ParquetFrames.WriteAsync(frame, ours, rowGroupSize: 12_500);
        var back = await ParquetFrames.ReadAsync(ours);
        string Cell(object? v) =>
            v switch { null => "", double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture), bool b => b ? "true" : "false",
                _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)! };
        await File.WriteAllLinesAsync(Path.Combine(dir, "ours.csv"),
            Enumerable.Range(0, rows).Select(i => string.Join(",", back.Columns.Select(c => Cell(c[i]))))
            .Prepend(string.Join(",", back.Columns.Select(c => c.Name))));
        var damaged = Path.Combine(dir, "damaged.parquet");
        File.Copy(ours, damaged, overwrite: true);
        await using (var reader = await Parquet.ParquetReader.CreateAsync(damaged))
        {
            var meta = reader.Metadata!.RowGroups[2].Columns[1].MetaData!; // probability, row group 3
            var at = meta.DataPageOffset + meta.TotalCompressedSize / 2;
            await using var file = new FileStream(damaged, FileMode.Open, FileAccess.ReadWrite);
            var bytes = new byte[64];
            file.Position = at;
            file.ReadExactly(bytes);
            for (var i = 0; i < bytes.Length; i++) bytes[i] ^= 0x5A;
            file.Position = at;
            file.Write(bytes);
            Console.WriteLine($"damaged.parquet: 64 bytes flipped at byte offset {at:N0} (column probability, row group 3)");
        }
        var (pages, verified) = ParquetChecksums.Verify(ours);
        Console.WriteLine($"ours.parquet: {rows:N0} rows, {pages} pages, {verified} with a checksum that matches");
        try { ParquetChecksums.Verify(damaged); Console.WriteLine("damaged.parquet: NOT detected"); return 1; }
        catch (InvalidDataException e) { Console.WriteLine($"damaged.parquet: {e.Message}"); }
        return 0;
    }
    case ["crc-cost", var dir, ..]:
    {
        // Cost of page checksums on the scoring benchmark's input: writing it again (Parquet.Net, then the checksum pass) and verifying it.
        var rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var input = Path.Combine(dir, "input.parquet");
        var frame = await ParquetFrames.ReadAsync(input);
        var copy = Path.Combine(dir, "crc-cost.parquet");
        for (var round = 1; round <= rounds; round++)
        {
            var write = Stopwatch.StartNew();
            await ParquetFrames.WriteAsync(frame, copy, rowGroupSize: 100_000);
            var written = write.Elapsed;
            var temporary = Path.Combine(dir, "crc-cost.added.parquet");
            File.Delete(temporary);
            var add = Stopwatch.StartNew();
            ParquetChecksums.Add(copy, temporary); // the pass alone, on a file that already has them (same work)
            var added = add.Elapsed;
            var verify = Stopwatch.StartNew();
            var (pages, verified) = ParquetChecksums.Verify(copy);
            Console.WriteLine($"round {round}: write {new FileInfo(copy).Length / 1e6:F1} MB {written.TotalMilliseconds:F0} ms " +
                $"(of which the checksum pass {added.TotalMilliseconds:F0} ms); verify {pages} pages " +
                $"({verified} checked) {verify.Elapsed.TotalMilliseconds:F0} ms");
            File.Delete(temporary);
        }
        File.Delete(copy);
        return 0;
    }
    case ["seed-parity", var extract, var dump]:
    {
        var interim = Path.Combine(Path.GetTempPath(), $"pophealth-parity-{Environment.ProcessId}.parquet");
        await BrfssConverter.ConvertAsync(extract, interim);
        var features = await FeatureBuilder.BuildAsync(interim, Recipe.Original);
        File.Delete(interim);
        var lines = await File.ReadAllLinesAsync(dump);
        var header = lines[0].Split(',');
        var columns = header.Select(h => h == "RFHLTH_adj" ? features.Values(FeatureSet.Target) : features.Values(h)).ToArray();
        long cells = 0, different = 0;
        for (var r = 1; r < lines.Length; r++)
        {
            var values = lines[r].Split(',');
            for (var c = 0; c < header.Length; c++, cells++)
                if (r - 1 >= features.Rows || columns[c][r - 1] is not { } ours
                    || Math.Abs(ours - double.Parse(values[c], System.Globalization.CultureInfo.InvariantCulture)) > 1e-9) different++;
        }
        Console.WriteLine($"pandas rows {lines.Length - 1:N0}, ours {features.Rows:N0}; {cells:N0} cells compared, {different:N0} different");
        return different == 0 && lines.Length - 1 == features.Rows ? 0 : 1;
    }
    case ["shap", var extract, ..]:
    {
        var rows = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100_000;
        var treeCount = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 105;
        var leaves = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 14;
        var seed = WorkbookParameters.DefaultSeed;
        var dir = Directory.CreateTempSubdirectory("pophealth-shap-bench-").FullName;
        try
        {
            await BrfssConverter.ConvertAsync(extract, Path.Combine(dir, "interim.parquet"));
            var matrix = ModelMatrix.From(await FeatureBuilder.BuildAsync(Path.Combine(dir, "interim.parquet"), Recipe.Improved));
            var train = matrix.Subset(Splits.Stratified(matrix.Labels, seed).Train);
            var fit = Stopwatch.StartNew();
            var model = TrainedModel.Fit(train, new ModelSpec(TrainerKind.LightGbm, treeCount, leaves), seed);
            OnnxModel.Export(model, Path.Combine(dir, OnnxModel.FileName));
            var compiled = CompiledTrees.TryCompile(Path.Combine(dir, OnnxModel.FileName))
                ?? throw new InvalidOperationException("the export did not compile");
            Console.WriteLine($"improved recipe: {matrix.Count:N0} rows x {matrix.FeatureNames.Count} features; " +
                $"LightGbm {compiled.Trees.Trees} trees, {compiled.Trees.Nodes:N0} nodes, " +
                $"fitted on {train.Count:N0} rows and compiled in {fit.Elapsed.TotalSeconds:F1} s");
            var coverWatch = Stopwatch.StartNew();
            var trees = compiled.Trees.WithCover(TreeCover.Count(compiled.Trees, train.Rows).Cover);
            Console.WriteLine($"cover counted on {train.Count:N0} training rows in {coverWatch.Elapsed.TotalSeconds:F2} s");
            var random = new Random(seed);
            var (buffer, width) = ModelMatrix.RowMajor(Enumerable.Range(0, rows).Select(_ => matrix.Rows[random.Next(matrix.Count)]).ToArray());
            var margins = compiled.Margins(buffer, rows, width);
            for (var round = 1; round <= 3; round++)
            {
                using var self = Process.GetCurrentProcess();
                var cpu = self.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                var shap = TreeShap.Explain(trees, buffer, rows, width);
                var seconds = watch.Elapsed.TotalSeconds;
                self.Refresh();
                var cpuSeconds = (self.TotalProcessorTime - cpu).TotalSeconds;
                var worst = Enumerable.Range(0, rows).Max(r => Math.Abs(shap.Total(r) - margins[r]));
                Console.WriteLine($"round {round}: SHAP of {rows:N0} rows x {width} features in {seconds:F2} s wall, {cpuSeconds:F2} s CPU " +
                    $"({rows / seconds:N0} rows/s, {Environment.ProcessorCount} cores); largest |base + sum - margin| {worst:E1}");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
    default:
        Console.Error.WriteLine("usage: PopHealth.Benchmarks convert <source> <output.parquet> | grid <2016 extract .csv.gz> [seed] | " +
            "score-prepare <2016 extract .csv.gz> <dir> [rows] | score <dir> | seed-parity <2016 extract .csv.gz> <dump.csv> | shap <2016 extract " +
            ".csv.gz> [rows] [trees] [leaves] | crc-sample <dir> | crc-cost <dir> [rounds]");
        return 2;
}
