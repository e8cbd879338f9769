// Usage: dotnet run --project tools/SampleModel -- <folder with the real extracts> [output json]
// Fits the embedded sample's Gaussian-copula dependence on the 2016 extract (and POORHLTH's proxy on the
// Missouri extract's GENHLTH × MENTHLTH) and writes only the aggregates: marginals and correlations.
using Microsoft.Data.Analysis;
using PopHealth.Ingest;
using PopHealth.Synthesis;
using PopHealth.Workbook;

if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: PopHealth.SampleModel <brfss-real folder> [output.json]");
    return 2;
}
var folder = args[0];
var output = args.Length > 1 ? args[1]
    : Path.Combine(WorkbookLocation.FindRoot(AppContext.BaseDirectory) ?? ".", "lib", "Synthesis", "brfss_sample_copula.json");
using var temp = new TemporaryFolder();
var interim = Path.Combine(temp.Path, "brfss2016.parquet");
await BrfssConverter.ConvertAsync(Path.Combine(folder, "brfss2016_llcp_statesubset_39vars.csv.gz"), interim);
var real = await BrfssTable.ReadAsync(interim);

using var missouri = BrfssSources.Open(Path.Combine(folder, "brfss2023_2024_missouri_34vars.csv"));
var genhlth = new List<double?>();
var menthlth = new List<double?>();
int g = -1, m = -1;
while (missouri.ReadBatch(50_000) is { } batch)
{
    if (g < 0) { g = batch.IndexOf("GENHLTH"); m = batch.IndexOf("MENTHLTH"); }
    genhlth.AddRange(batch.Numeric(g).Take(batch.RowCount));
    menthlth.AddRange(batch.Numeric(m).Take(batch.RowCount));
}
var proxy = new DataFrame(new DoubleDataFrameColumn("GENHLTH", genhlth), new DoubleDataFrameColumn("MENTHLTH", menthlth));

var copula = BrfssSample.FitDependence(real, proxy);
copula.Save(output);
Console.WriteLine($"fitted on {real.Rows:N0} rows ({real.Profile.Name}) " +
    $"and {genhlth.Count:N0} proxy rows: {copula.LatentColumns.Count} latent columns -> {output}");
return 0;

internal sealed class TemporaryFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("pophealth-fit-").FullName;
    public void Dispose() => Directory.Delete(Path, recursive: true);
}
