using System.Diagnostics;
using System.Globalization;
using PopHealth.Ingest;
using PopHealth.Population;

// Usage:
//   PopHealth.PopulationDirect time <source> [rounds]      convert <source> once, then time reading the interim table and the
//                                                          direct estimates (all states x every group dimension), round by round
//   PopHealth.PopulationDirect extract <source> <folder> [crossings]   convert, estimate and write <folder>/population_estimates.{parquet,csv};
//                                                          crossings separated by ';' ("sex x age;age x education"), default the options' own
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
switch (args)
{
    case ["time", var source, ..]:
    {
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        var interim = await Interim(source);
        try
        {
            var watch = Stopwatch.StartNew();
            var respondents = await RespondentTable.ReadAsync(interim);
            Console.WriteLine($"read the interim table ({respondents.Rows:N0} respondents): {watch.Elapsed.TotalSeconds:F3} s");
            // The dimensions R's svyby runs in the benchmark: state, and state x each of age, sex, income, education (no crossings).
            var options = new DirectEstimateOptions { Crossings = [] };
            for (var round = 1; round <= rounds; round++)
            {
                watch.Restart();
                var estimates = DirectEstimator.Estimate(respondents, options);
                var seconds = watch.Elapsed.TotalSeconds;
                Console.WriteLine($"round {round}: {estimates.Rows.Count:N0} estimates " +
                    $"({estimates.Rows.Count(r => r.GeoLevel == "state"):N0} state rows) in {seconds:F3} s");
            }
            return 0;
        }
        finally { File.Delete(interim); }
    }
    case ["extract", var source, var folder, ..] when args.Length <= 4:
    {
        var interim = await Interim(source);
        try
        {
            var options = args.Length == 4 ? new DirectEstimateOptions { Crossings = args[3].Split(';', StringSplitOptions.RemoveEmptyEntries) }
                : new DirectEstimateOptions();
            var estimates = await DirectEstimator.EstimateAsync(interim, options);
            var (parquet, csv) = await PopulationExtract.WriteAsync(folder, estimates.Rows, estimates.Metadata());
            Console.WriteLine($"{estimates.Rows.Count:N0} rows -> {parquet}, {csv}");
            foreach (var statement in estimates.Statements) Console.WriteLine("  " + statement);
            return 0;
        }
        finally { File.Delete(interim); }
    }
    default:
        Console.Error.WriteLine("usage: PopHealth.PopulationDirect time <source> [rounds] | extract <source> <folder> [crossings]");
        return 2;
}

static async Task<string> Interim(string source)
{
    var path = Path.Combine(Path.GetTempPath(), $"pophealth-population-{Environment.ProcessId}.parquet");
    await BrfssConverter.ConvertAsync(source, path);
    return path;
}
