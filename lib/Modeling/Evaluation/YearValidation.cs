namespace PopHealth.Modeling;

/// <summary>A model trained on the years before <see cref="TestYear"/>, tested on that year (as trained and after recalibration).</summary>
/// <param name="Recalibrated">Calibration in the large on the 95 % of the test year not used to recalibrate, after the
/// intercept moved to the 5 % sample's prevalence.</param>
public sealed record NextYearResult(int TestYear, string TrainedOn, int TrainRows, TestReport Report, double InterceptShift,
    int CalibrationSampleRows, double Recalibrated, IReadOnlyList<ReliabilityBin> RecalibratedReliability);

/// <summary>Options for <see cref="YearValidation"/>.</summary>
/// <param name="CalibrationShare">Share of the test year, drawn at random (seeded, stratified), whose labels recalibrate the intercept.</param>
public sealed record YearValidationOptions(double CalibrationShare = 0.05, int Threads = 0);

/// <summary>
/// Next-year validation: for each survey year t after the first, the chosen setting is fitted on the years before t
/// and tested on all of year t (AUC, Brier, calibration in the large, reliability), then recalibrated in the large on a
/// seeded 5 % labelled sample of t and measured again on the other 95 %. What a user of last year's model should expect.
/// </summary>
public static class YearValidation
{
    public static IReadOnlyList<NextYearResult> Run(ModelMatrix data, int[] years, ModelSpec spec, int seed, double threshold,
        YearValidationOptions? options = null, IProgress<string>? progress = null)
    {
        options ??= new YearValidationOptions();
        var distinct = years.Distinct().Order().ToArray();
        var results = new List<NextYearResult>();
        foreach (var year in distinct.Skip(1))
        {
            var train = Enumerable.Range(0, years.Length).Where(i => years[i] < year).ToArray();
            var test = Enumerable.Range(0, years.Length).Where(i => years[i] == year).ToArray();
            var trainedOn = string.Join("+", distinct.Where(y => y < year));
            progress?.Report($"next-year validation: fitting on {trainedOn} ({train.Length:N0} rows), testing on {year} ({test.Length:N0})");
            var model = TrainedModel.Fit(data.Subset(train), spec, seed, options.Threads);
            results.Add(Measure(model, data.Subset(test), year, trainedOn, train.Length, seed, threshold, options.CalibrationShare));
        }
        return results;
    }

    /// <summary>
    /// Tests <paramref name="model"/> on <paramref name="test"/> and recalibrates it on a stratified sample of it,
    /// measured on the rest.
    /// </summary>
    public static NextYearResult Measure(TrainedModel model, ModelMatrix test, int year, string trainedOn, int trainRows, int seed, double threshold,
        double calibrationShare)
    {
        var p = model.Probabilities(test.Rows);
        var report = Evaluation.Evaluate($"{trainedOn} → {year}", p, test.Labels, threshold);
        var split = Splits.Stratified(test.Labels, seed, testShare: calibrationShare); // Test = the labelled sample
        var target = RecalibrationTarget.FromLabelledSample(year, split.Test.Select(i => test.Labels[i]).ToArray(), seed,
            $"a stratified {calibrationShare:P0} of {year}");
        var recalibration = Recalibration.Recalibrate(model, split.Test.Select(i => test.Rows[i]).ToArray(), target);
        var delta = recalibration.InterceptShift;
        var rest = split.Train;
        var recalibrated = recalibration.Model.Probabilities(rest.Select(i => test.Rows[i]).ToArray());
        var labels = rest.Select(i => test.Labels[i]).ToArray();
        return new NextYearResult(year, trainedOn, trainRows, report, delta, split.Test.Length,
            BinaryMetrics.CalibrationInTheLarge(recalibrated, labels), BinaryMetrics.Reliability(recalibrated, labels));
    }
}
