using System.Diagnostics;
using System.Globalization;
using System.Text;
using PopHealth.Population;
using PopHealth.Population.SmallArea;
using PopHealth.Workbook;

namespace PopHealth.Studies;

/// <summary>
/// The whole 2016 extract, every state and state × group: what 07-report's small-area step costs, its estimates beside the
/// direct ones in the population extract (work/extract-2016), and a state table (results/states_2016.csv).
/// </summary>
internal static class SmallAreaFull
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task RunAsync(SmallAreaData data, string work, string results, int seed)
    {
        var progress = new Progress<string>(m => Console.WriteLine("  " + m));
        var watch = Stopwatch.StartNew();
        var model = SmallAreaModel.Fit(data.Respondents, data.Frame, new SmallAreaOptions(Seed: seed), progress);
        var fitSeconds = watch.Elapsed.TotalSeconds;
        var rows = model.ExtractRows(2016);
        var totalSeconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(Invariant,
            $"  group blends: {string.Join(", ", model.GroupDiscrepancies.Select(d => $"{d.Key} τ {100 * d.Value:0.00}"))} points"));
        var summary = model.Summary;
        Console.WriteLine(string.Create(Invariant,
            $"full 2016: {summary.Respondents:N0} respondents in the fit, {summary.FittingCells:N0} cells, {data.Frame.States.Count} " +
            $"states, {rows.Count:N0} estimates"));
        Console.WriteLine(string.Create(Invariant,
            $"  fit, σ draws and blend: {fitSeconds:0.00} s; with every state × group post-stratified: {totalSeconds:0.00} s; " +
            $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MiB"));
        Console.WriteLine($"  left out: {string.Join("; ", summary.LeftOut.Select(l => $"{l.Key} {l.Value:N0}"))}");
        Console.WriteLine(string.Create(Invariant,
            $"  σ: {string.Join(", ", summary.RandomTerms.Zip(summary.Sigma, (t, s) => $"{t} {s:0.0000}"))}; " +
            $"effective proposals {summary.EffectiveProposals:0}; " +
            $"weight shift {summary.WeightShift.Shift:0.0000} ± {summary.WeightShift.StandardError:0.0000}; " +
            $"τ {100 * Math.Sqrt(summary.BlendVariance):0.00} points over {summary.BlendedStates} states"));
        foreach (var (name, value) in summary.FixedNames.Zip(summary.FixedEffects)) Console.WriteLine(string.Create(Invariant, $"   " +
            $" {name,-40} {value,9:0.0000}"));
        var direct = DirectEstimator.Estimate(RespondentTable.FromInterim(data.Table));
        await PopulationExtract.WriteAsync(Path.Combine(work, "extract-2016"), [.. direct.Rows, .. rows]);
        WriteStates(data, rows, direct.Rows, Path.Combine(results, "states_2016.csv"));
        Discrepancies(data, rows, direct.Rows);
    }

    /// <summary>By group dimension, over the fully present states: τ² by moments, mean of (model − direct)² − SE_direct² + SE_model².</summary>
    private static void Discrepancies(SmallAreaData data, IReadOnlyList<PopulationEstimate> model, IReadOnlyList<PopulationEstimate> direct)
    {
        var byKey = direct.Where(r => r.GeoLevel == PopulationEstimate.StateLevel && r.Value is not null)
            .ToDictionary(r => (r.GeoFips, r.GroupDim, r.GroupValue));
        foreach (var dimension in model.Select(r => r.GroupDim).Distinct())
        {
            var terms = model.Where(m => m.GroupDim == dimension && data.Frame[int.Parse(m.GeoFips!, Invariant)]!.FullyPresent)
                .Select(m => byKey.TryGetValue((m.GeoFips, m.GroupDim, m.GroupValue), out var d)
                    ? (double?)(Math.Pow(m.Value!.Value - d.Value!.Value, 2) - d.Se!.Value * d.Se.Value + m.Se!.Value * m.Se.Value) : null)
                .OfType<double>().ToArray();
            var moment = terms.Average();
            Console.WriteLine(string.Create(Invariant,
                $"  discrepancy {dimension,-16}: τ² by moments {moment:0.000} points² (τ {Math.Sqrt(Math.Max(0, moment)):0.00}) " +
                $"over {terms.Length} state × group estimates"));
        }
    }

    /// <summary>One line per state: its frame source and coverage, the direct estimate and the model's, with their intervals.</summary>
    private static void WriteStates(SmallAreaData data, IReadOnlyList<PopulationEstimate> model, IReadOnlyList<PopulationEstimate> direct,
        string path)
    {
        var text = new StringBuilder("state,abbr,frame_source,coverage,respondents,direct,direct_low,direct_high,direct_suppressed,model,model_low,model_high\n");
        var directByState = direct.Where(r => r.GeoLevel == PopulationEstimate.StateLevel && r.GroupDim == PopulationEstimate.AllGroups)
            .ToDictionary(r => r.GeoFips!);
        double absolute = 0;
        var fully = 0;
        foreach (var m in model.Where(r => r.GroupDim == PopulationEstimate.AllGroups))
        {
            var frame = data.Frame[int.Parse(m.GeoFips!, Invariant)]!;
            var d = directByState.GetValueOrDefault(m.GeoFips!);
            text.Append(Invariant,
                $"{m.GeoFips},{m.GeoAbbr},{frame.Source},{frame.Coverage:0.000},{d?.N},{d?.Value:0.00},{d?.CiLow:0.00},{d?.CiHigh:0.00},{d?.Suppressed},{m.Value:0.00},{m.CiLow:0.00},{m.CiHigh:0.00}\n");
            if (frame.FullyPresent && d?.Value is { } v) { absolute += Math.Abs(m.Value!.Value - v); fully++; }
        }
        AtomicFile.WriteAllText(path, text.ToString());
        Console.WriteLine(string.Create(Invariant,
            $"  fully present states: mean |model − direct| {absolute / fully:0.00} points over {fully}; states table: {path}"));
    }
}
