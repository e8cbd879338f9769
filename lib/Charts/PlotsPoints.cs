using System.Text.Json.Nodes;

namespace PopHealth.Charts;

/// <summary>Points (markers only): x, y, and optionally a colour value per point on a 0–1 scale (e.g. the feature's rank).</summary>
public sealed record PointSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, IReadOnlyList<double>? Color = null);

public static partial class Plots
{
    /// <summary>
    /// Markers only, one trace per series. Colour values (0 low … 1 high) share one blue-to-red scale with a bar titled
    /// <paramref name="colorTitle"/>. <paramref name="yCategories"/> labels the integer y positions 0, 1, … (points
    /// may be jittered around them), for beeswarm-style charts.
    /// </summary>
    public static Chart Scatter(string title, IEnumerable<PointSeries> series, ChartLayout? layout = null, string? colorTitle = null,
        IReadOnlyList<string>? yCategories = null)
    {
        var traces = new JsonArray();
        var first = true;
        foreach (var s in series)
        {
            Require(s.X.Count == s.Y.Count && (s.Color is null || s.Color.Count == s.X.Count),
                $"point series '{s.Name}': x, y and colour need one value per point");
            var marker = new JsonObject { ["size"] = 5, ["opacity"] = 0.7 };
            if (s.Color is not null)
            {
                marker["color"] = Array(s.Color);
                marker["colorscale"] = "RdBu";
                marker["reversescale"] = true; // red = high values, blue = low
                marker["cmin"] = 0;
                marker["cmax"] = 1;
                marker["showscale"] = first;
                if (first) marker["colorbar"] = new JsonObject { ["title"] = new JsonObject { ["text"] = colorTitle ?? "" },
                    ["tickvals"] = new JsonArray(0, 1), ["ticktext"] = new JsonArray("low", "high") };
                first = false;
            }
            traces.Add(new JsonObject { ["type"] = "scatter", ["mode"] = "markers", ["name"] = s.Name, ["x"] = Array(s.X), ["y"] = Array(s.Y),
                ["marker"] = marker });
        }
        return Build(title, traces, layout, extra: l =>
        {
            l["showlegend"] = false;
            if (yCategories is null) return;
            var axis = (JsonObject)l["yaxis"]!;
            axis["tickvals"] = Array(Enumerable.Range(0, yCategories.Count).Select(i => (double)i));
            axis["ticktext"] = Array(yCategories);
            axis["automargin"] = true;
        });
    }
}
