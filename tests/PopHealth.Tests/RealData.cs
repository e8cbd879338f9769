using PopHealth.Ingest;

namespace PopHealth.Tests;

/// <summary>
/// The real BRFSS extracts shipped in data/brfss-real (see its SOURCES.md), converted once per test run
/// into a temporary folder that lives as long as the test process.
/// </summary>
internal static class RealData
{
    public static string Extract(string name) => Repo.Path("data", "brfss-real", name);

    private static readonly TempFolder Folder = new();
    private static readonly Lazy<Task<string>> Interim2016Task = new(() => Convert("brfss2016_llcp_statesubset_39vars.csv.gz", "brfss2016.parquet"));

    /// <summary>The 2016 state-subset extract (356,581 rows) converted with the LLCP2016 profile.</summary>
    public static Task<string> Interim2016() => Interim2016Task.Value;

    private static async Task<string> Convert(string extract, string output)
    {
        var path = Folder.File(output);
        await BrfssConverter.ConvertAsync(Extract(extract), path);
        return path;
    }
}
