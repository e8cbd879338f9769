using System.Globalization;

namespace PopHealth.Modeling;

/// <summary>Stage 2, sweep: the original's grid and the budgeted search, each by successive halving on the same nested rows and folds.</summary>
public sealed record TrainingSweeps(SweepRun Grid, SweepRun Search)
{
    /// <summary>Grid and search trials together: those that reached the most rows first, then best cross-validated AUC.</summary>
    public IReadOnlyList<LeaderboardRow> Leaderboard =>
        TrialResult.Ranked(Grid.Trials.Concat(Search.Trials)).Select((t, i) => t.Row(i + 1)).ToArray();

    public TimeSpan Elapsed => Grid.Elapsed + Search.Elapsed;
    public int Trials => Grid.Trials.Count + Search.Trials.Count;

    /// <summary>What was cross-validated on how many rows, and how long it took.</summary>
    public string Describe(int folds) =>
        $"{Trials} settings × {folds} folds by successive halving in {Elapsed.TotalSeconds:F0} s: original grid {Grid.RungSummary} " +
        $"({Seconds(Grid)}); budgeted search {Search.RungSummary} ({Seconds(Search)})";

    private static string Seconds(SweepRun sweep) =>
        string.Join(" + ", sweep.RungSeconds.Select(s => s.ToString("F0", CultureInfo.InvariantCulture))) + " s";
}
