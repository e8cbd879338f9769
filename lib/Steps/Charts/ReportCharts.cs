using System.Globalization;
using PopHealth.Charts;
using PopHealth.Population;
using PopHealth.Population.Dashboard;

namespace PopHealth.Steps;

/// <summary>A state's estimates side by side, as 07 lists them: direct and model-based with intervals, the sample and its coverage.</summary>
public sealed record StateLine(string State, long? Respondents, double? Direct, double? DirectLow, double? DirectHigh, double? Model,
    double? ModelLow, double? ModelHigh, double? Coverage, string Note);

/// <summary>07-report's charts and tables: coverage, the state tile maps, and model-based against direct estimates.</summary>
public static class ReportCharts
{
    /// <summary>
    /// Each state's sum of weights over its Census adults, partial states (under the line) apart; states without a
    /// Census figure left out.
    /// </summary>
    public static Chart Coverage(IReadOnlyList<StateCoverage> coverage, double partialBelow = 0.9)
    {
        var states = coverage.Where(c => c.GeoLevel == PopulationEstimate.StateLevel && c.Coverage is not null).OrderBy(c => c.Coverage).ToArray();
        BarSeries Series(string name, Func<StateCoverage, bool> which) =>
            new(name, states.Where(which).Select(c => c.GeoAbbr!).ToArray(), states.Where(which).Select(c => 100 * c.Coverage!.Value).ToArray());
        return Plots.Bars($"Survey weights over Census adults, by state (partial below {100 * partialBelow:0} %)",
            [Series("partial sample", c => c.Partial == true), Series("whole sample", c => c.Partial != true)],
            new ChartLayout(XTitle: "weights / Census adults, %", Height: Math.Max(420, 16 * states.Length + 120), LegendBelow: true),
            horizontal: true, categoryOrder: states.Select(c => c.GeoAbbr!).ToArray());
    }

    /// <summary>The tile map of one method's state estimates (all groups); a partial state's direct estimate is starred.</summary>
    public static Chart StateMap(IReadOnlyList<PopulationEstimate> rows, string method, double? min = null, double? max = null,
        bool synthetic = false)
    {
        var states = rows.Where(r => r.GeoLevel == PopulationEstimate.StateLevel && r.GroupDim == PopulationEstimate.AllGroups && r.Method == method)
            .ToArray();
        var tiles = states.Where(r => TileGrid.Tile(r.GeoAbbr!) is not null).Select(r =>
        {
            var (row, column) = TileGrid.Tile(r.GeoAbbr!)!.Value;
            return new Tile(row, column, r.GeoAbbr!, r.Value ?? double.NaN, Flagged: r.Partial == true);
        }).ToArray();
        var year = states.Select(r => r.Year).DefaultIfEmpty().Max();
        var title = (method == PopulationEstimate.Model ? $"Fair or poor health, {year}: model-based (small-area) estimate, %"
            : $"Fair or poor health, {year}: direct (survey-weighted) estimate, %")
            + (synthetic ? " (SYNTHETIC sample)" : "");
        var note = method == PopulationEstimate.Direct
            ? "* partial: the weights cover under 90 % of the state's adults; not the state's figure. – suppressed." : null;
        return Plots.Tiles(title, tiles, "%", note, min, max);
    }

    /// <summary>
    /// The model-based and the direct state maps on one colour scale (the states' estimates' range), model-based first;
    /// none when the source has no state for its respondents.
    /// </summary>
    public static IReadOnlyList<Chart> StateMaps(IReadOnlyList<PopulationEstimate> rows, bool synthetic = false)
    {
        if (!rows.Any(r => r.GeoLevel == PopulationEstimate.StateLevel)) return [];
        var values = rows.Where(r => r.GeoLevel == PopulationEstimate.StateLevel && r.GroupDim == PopulationEstimate.AllGroups && r.Value is not null)
            .Select(r => r.Value!.Value).DefaultIfEmpty(0).ToArray();
        double min = Math.Floor(values.Min()), max = Math.Ceiling(values.Max());
        return rows.Any(r => r.Method == PopulationEstimate.Model)
            ? [StateMap(rows, PopulationEstimate.Model, min, max, synthetic), StateMap(rows, PopulationEstimate.Direct, min, max, synthetic)]
            : [StateMap(rows, PopulationEstimate.Direct, min, max, synthetic)];
    }

    /// <summary>Each state's model-based and direct estimates with their 95 % intervals, partial states starred, ordered by the model's.</summary>
    public static Chart ModelAgainstDirect(IReadOnlyList<StateLine> states, bool synthetic = false)
    {
        var ordered = states.Where(s => s.Model is not null || s.Direct is not null).OrderBy(s => s.Model ?? s.Direct).ToArray();
        var labels = ordered.Select(s => s.State).ToArray();
        BarSeries Series(string name, Func<StateLine, double?> value, Func<StateLine, double?> low, Func<StateLine, double?> high) =>
            new(name, labels, ordered.Select(s => value(s) ?? double.NaN).ToArray(), ordered.Select(s => low(s) ?? double.NaN).ToArray(),
                ordered.Select(s => high(s) ?? double.NaN).ToArray());
        return Plots.Bars("Model-based against direct estimates by state (95 % intervals; * partial sample)" +
            (synthetic ? " (SYNTHETIC sample)" : ""),
            [Series("direct", s => s.Direct, s => s.DirectLow, s => s.DirectHigh),
                Series("model-based", s => s.Model, s => s.ModelLow, s => s.ModelHigh)],
            // Both series cover the same states: no category order given, so plotly groups them side by side, in the order given
            // (the first state at the bottom).
            new ChartLayout(XTitle: "fair or poor health, %", Height: Math.Max(480, 30 * ordered.Length + 120), LegendBelow: true), horizontal: true);
    }

    /// <summary>
    /// One line per state (name order): its direct and model-based estimates, respondents, coverage, and what the
    /// reader must know.
    /// </summary>
    public static IReadOnlyList<StateLine> States(IReadOnlyList<PopulationEstimate> rows)
    {
        var all = rows.Where(r => r.GeoLevel == PopulationEstimate.StateLevel && r.GroupDim == PopulationEstimate.AllGroups).ToArray();
        return all.GroupBy(r => r.GeoFips!).Select(g =>
        {
            var direct = g.FirstOrDefault(r => r.Method == PopulationEstimate.Direct);
            var model = g.FirstOrDefault(r => r.Method == PopulationEstimate.Model);
            var name = UsStates.Find(int.Parse(g.Key, CultureInfo.InvariantCulture))?.Name ?? g.Key;
            var notes = new[] { direct?.Partial == true ? "partial sample: direct is not the state's figure" : null,
                direct?.SuppressionReason is { } s ? "direct " + s : null }.OfType<string>();
            return new StateLine(name + (direct?.Partial == true ? "*" : ""), direct?.N, direct?.Value, direct?.CiLow, direct?.CiHigh, model?.Value,
                model?.CiLow, model?.CiHigh, direct?.Coverage is { } c ? Math.Round(c, 3) : null, string.Join("; ", notes));
        }).OrderBy(s => s.State, StringComparer.Ordinal).ToArray();
    }
}
