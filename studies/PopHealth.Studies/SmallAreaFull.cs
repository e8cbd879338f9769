using System.Diagnostics;
using System.Globalization;
using System.Text;
using PopHealth.Population.SmallArea;
using PopHealth.Workbook;

namespace PopHealth.Studies;

/// <summary>The whole 2016 extract, every state and state × group: what 07-report's small-area step costs, and its estimates.</summary>
internal static class SmallAreaFull
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Run(SmallAreaData data, string results, int seed)
    {
        var progress = new Progress<string>(m => Console.WriteLine("  " + m));
        var watch = Stopwatch.StartNew();
        var model = SmallAreaModel.Fit(data.Respondents, data.Frame, new SmallAreaOptions(Seed: seed), progress);
        var fitSeconds = watch.Elapsed.TotalSeconds;
        var estimates = model.Estimate();
        var totalSeconds = watch.Elapsed.TotalSeconds;
        var text = new StringBuilder("state,dimension,group,estimate,se,lower,upper,adults,respondents,frame_source\n");
        foreach (var e in estimates)
            text.Append(Invariant, $"{e.State},{e.Dimension},\"{e.Group}\",{e.Estimate:0.00000},{e.StandardError:0.00000},{e.Lower:0.00000},{e.Upper:0.00000},{e.Adults:0},{e.Respondents},{e.FrameSource}\n");
        Directory.CreateDirectory(results);
        AtomicFile.WriteAllText(Path.Combine(results, "estimates_2016.csv"), text.ToString());
        var summary = model.Summary;
        Console.WriteLine(string.Create(Invariant, $"full 2016: {summary.Respondents:N0} respondents in the fit, {summary.FittingCells:N0} cells, {data.Frame.States.Count} states, {estimates.Count:N0} estimates"));
        Console.WriteLine(string.Create(Invariant, $"  fit + σ draws: {fitSeconds:0.00} s; with post-stratification of every state × group: {totalSeconds:0.00} s; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MiB"));
        Console.WriteLine($"  left out: {string.Join("; ", summary.LeftOut.Select(l => $"{l.Key} {l.Value:N0}"))}");
        Console.WriteLine($"  σ: {string.Join(", ", summary.RandomTerms.Zip(summary.Sigma, (t, s) => $"{t} {s.ToString("0.0000", Invariant)}"))}; effective proposals {summary.EffectiveProposals:0}");
        foreach (var (name, value) in summary.FixedNames.Zip(summary.FixedEffects)) Console.WriteLine(string.Create(Invariant, $"    {name,-40} {value,9:0.0000}"));
        foreach (var s in data.Frame.States) Console.WriteLine(string.Create(Invariant, $"  state {s.State,2}: {s.Source} (coverage {s.Coverage:0.000})"));
    }
}
