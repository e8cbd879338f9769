using System.Diagnostics;
using PopHealth.Ingest;

// Usage: PopHealth.Benchmarks convert <source> <output.parquet>
if (args is not ["convert", var input, var output])
{
    Console.Error.WriteLine("usage: PopHealth.Benchmarks convert <source> <output.parquet>");
    return 2;
}
var report = await BrfssConverter.ConvertAsync(input, output);
using var self = Process.GetCurrentProcess();
Console.WriteLine($"converted {report.Rows:N0} rows x {report.Columns} columns ({report.Profile.Name}) in {report.Elapsed.TotalSeconds:F1} s; peak working set {self.PeakWorkingSet64 / (1 << 20):N0} MiB");
return 0;
