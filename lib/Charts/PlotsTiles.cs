using System.Globalization;
using System.Text.Json.Nodes;

namespace PopHealth.Charts;

/// <summary>One tile of a tile grid: its row (0 at the top) and column, its label, its value (NaN: no value) and whether it is flagged.</summary>
public sealed record Tile(int Row, int Column, string Label, double Value, bool Flagged = false);

public static partial class Plots
{
    /// <summary>
    /// A grid of square tiles coloured by value (orange to dark red; grey where there is none), each showing its label and value,
    /// a flagged tile's label starred: a state map that needs no base map (plotly.js's geographic maps fetch theirs from a CDN).
    /// </summary>
    public static Chart Tiles(string title, IReadOnlyList<Tile> tiles, string valueTitle, string? note = null, double? min = null, double? max = null)
    {
        Require(tiles.Count > 0, "tiles: at least one tile");
        Require(tiles.Select(t => (t.Row, t.Column)).Distinct().Count() == tiles.Count, "tiles: two tiles share a place");
        int rows = tiles.Max(t => t.Row) + 1, columns = tiles.Max(t => t.Column) + 1;
        var z = Enumerable.Range(0, rows).Select(_ => Enumerable.Repeat(double.NaN, columns).ToArray()).ToArray();
        var text = Enumerable.Range(0, rows).Select(_ => Enumerable.Repeat("", columns).ToArray()).ToArray();
        foreach (var t in tiles)
        {
            z[t.Row][t.Column] = t.Value;
            text[t.Row][t.Column] = t.Label + (t.Flagged ? "*" : "") + "<br>" +
                (double.IsFinite(t.Value) ? t.Value.ToString("0.0", CultureInfo.InvariantCulture) : "–");
        }
        var values = tiles.Select(t => t.Value).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        var trace = new JsonObject
        {
            ["type"] = "heatmap",
            ["z"] = new JsonArray(z.Select(row => (JsonNode?)Array(row)).ToArray()),
            ["text"] = new JsonArray(text.Select(row => (JsonNode?)Array(row)).ToArray()),
            ["texttemplate"] = "%{text}", ["hoverinfo"] = "text", ["xgap"] = 3, ["ygap"] = 3,
            ["zmin"] = min ?? Math.Floor(values.Min()), ["zmax"] = max ?? Math.Ceiling(values.Max()),
            ["colorscale"] = new JsonArray(new JsonArray(0, "#fff7ec"), new JsonArray(0.25, "#fdd49e"), new JsonArray(0.5, "#fc8d59"),
                new JsonArray(0.75, "#d7301f"), new JsonArray(1, "#7f0000")),
            ["colorbar"] = new JsonObject { ["title"] = new JsonObject { ["text"] = valueTitle } },
        };
        // Tiles without a value (suppressed, no respondents) are still drawn, in grey, so the map has no holes.
        var empty = Enumerable.Range(0, rows).Select(_ => Enumerable.Repeat(double.NaN, columns).ToArray()).ToArray();
        foreach (var t in tiles.Where(t => !double.IsFinite(t.Value))) empty[t.Row][t.Column] = 0;
        var missing = new JsonObject
        {
            ["type"] = "heatmap", ["z"] = new JsonArray(empty.Select(row => (JsonNode?)Array(row)).ToArray()),
            ["text"] = new JsonArray(text.Select(row => (JsonNode?)Array(row)).ToArray()), ["texttemplate"] = "%{text}", ["hoverinfo"] = "text",
            ["xgap"] = 3, ["ygap"] = 3, ["showscale"] = false,
            ["colorscale"] = new JsonArray(new JsonArray(0, "#e4e7eb"), new JsonArray(1, "#e4e7eb")),
        };
        return Build(title, new JsonArray(missing, trace), new ChartLayout(Width: 760, Height: 520), extra: l =>
        {
            l["xaxis"] = new JsonObject { ["visible"] = false, ["constrain"] = "domain" };
            l["yaxis"] = new JsonObject { ["visible"] = false, ["autorange"] = "reversed", ["scaleanchor"] = "x" };
            l["plot_bgcolor"] = "#ffffff";
            if (note is not null)
                l["annotations"] = new JsonArray(new JsonObject
                {
                    ["text"] = note, ["showarrow"] = false, ["xref"] = "paper", ["yref"] = "paper", ["x"] = 0, ["y"] = -0.02,
                    ["xanchor"] = "left", ["yanchor"] = "top", ["font"] = new JsonObject { ["size"] = 11 },
                });
        });
    }
}
