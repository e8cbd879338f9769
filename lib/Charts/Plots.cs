using System.Text.Json.Nodes;

namespace PopHealth.Charts;

/// <summary>A named line: x and y of equal length, drawn in the chart's next colour unless <paramref name="Style"/> says otherwise.</summary>
public sealed record LineSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, LineStyle? Style = null);

/// <summary>How a line is drawn: colour (CSS), dash (plotly.js: solid, dash, dot, dashdot), width in px, marker symbol (null: none).</summary>
public sealed record LineStyle(string? Color = null, string Dash = "solid", double Width = 2, string? Marker = null)
{
    // Okabe–Ito colours (told apart with colour-blindness too), each with its own dash and marker, so curves that lie
    // on top of each other stay distinguishable in print.
    private static readonly string[] Colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];
    private static readonly string[] Dashes = ["solid", "dash", "dashdot", "longdash", "dot", "longdashdot"];
    private static readonly string[] Markers = ["circle", "square", "diamond", "triangle-up", "x", "star"];

    /// <summary>The <paramref name="index"/>th of a set of curves compared on one chart: a colour, dash and marker of its own;
    /// the first is drawn widest, so a later curve on top of it leaves it visible.</summary>
    public static LineStyle Series(int index, bool markers = false) =>
        new(Colors[index % Colors.Length], Dashes[index % Dashes.Length], index == 0 ? 3.5 : 2, markers ? Markers[index % Markers.Length] : null);

    /// <summary>A reference line (chance, the diagonal): thin, grey, dotted.</summary>
    public static LineStyle Reference { get; } = new("#7f7f7f", "dot", 1.5);
}

/// <summary>A named set of bars over categories, with optional lower/upper error bounds (e.g. a 95 % CI).</summary>
public sealed record BarSeries(string Name, IReadOnlyList<string> Categories, IReadOnlyList<double> Values,
    IReadOnlyList<double>? Lower = null, IReadOnlyList<double>? Upper = null);

/// <summary>Axis and size options shared by every chart; <paramref name="LegendBelow"/> puts the legend in rows under the
/// plot, leaving the plot its full width (for long series names).</summary>
public sealed record ChartLayout(string? XTitle = null, string? YTitle = null, int Width = 760, int Height = 440,
    double? YMin = null, double? YMax = null, double? XMin = null, double? XMax = null, bool YPercent = false, bool LegendBelow = false);

/// <summary>The workbook's chart vocabulary: each method returns a <see cref="Chart"/>.</summary>
public static partial class Plots
{
    /// <summary>Bars (vertical, or horizontal with <paramref name="horizontal"/>), one trace per series, grouped.</summary>
    /// <param name="categoryOrder">The categories' order along their axis (first at the bottom of a horizontal chart);
    /// else plotly's (by first appearance).</param>
    public static Chart Bars(string title, IEnumerable<BarSeries> series, ChartLayout? layout = null, bool horizontal = false,
        IReadOnlyList<string>? categoryOrder = null)
    {
        var traces = new JsonArray();
        foreach (var s in series)
        {
            Require(s.Categories.Count == s.Values.Count, $"bar series '{s.Name}': {s.Categories.Count} categories but {s.Values.Count} values");
            var trace = new JsonObject
            {
                ["type"] = "bar",
                ["name"] = s.Name,
                [horizontal ? "y" : "x"] = Array(s.Categories),
                [horizontal ? "x" : "y"] = Array(s.Values),
            };
            if (horizontal) trace["orientation"] = "h";
            if (s.Lower is not null && s.Upper is not null)
            {
                Require(s.Lower.Count == s.Values.Count && s.Upper.Count == s.Values.Count,
                    $"bar series '{s.Name}': error bounds must match the values");
                trace[horizontal ? "error_x" : "error_y"] = new JsonObject
                {
                    ["type"] = "data",
                    ["symmetric"] = false,
                    ["array"] = Array(s.Values.Select((v, i) => s.Upper[i] - v)),
                    ["arrayminus"] = Array(s.Values.Select((v, i) => v - s.Lower[i])),
                };
            }
            traces.Add(trace);
        }
        return Build(title, traces, layout, extra: l =>
        {
            // Series that share no category (e.g. groups split by a test) sit in one row each, not side by side.
            l["barmode"] = categoryOrder is null ? "group" : "overlay";
            if (categoryOrder is null) return;
            var axis = (JsonObject)l[horizontal ? "yaxis" : "xaxis"]!;
            axis["categoryorder"] = "array";
            axis["categoryarray"] = Array(categoryOrder);
            axis["automargin"] = true;
        });
    }

    /// <summary>One bar series.</summary>
    public static Chart Bar(string title, IReadOnlyList<string> categories, IReadOnlyList<double> values, ChartLayout? layout = null,
        bool horizontal = false) =>
        Bars(title, [new BarSeries(title, categories, values)], layout, horizontal);

    /// <summary>Lines with markers, one trace per series.</summary>
    public static Chart Lines(string title, IEnumerable<LineSeries> series, ChartLayout? layout = null, bool markers = true)
    {
        var traces = new JsonArray();
        foreach (var s in series)
        {
            Require(s.X.Count == s.Y.Count, $"line series '{s.Name}': {s.X.Count} x values but {s.Y.Count} y values");
            var trace = new JsonObject
            {
                ["type"] = "scatter",
                ["mode"] = markers || s.Style?.Marker is not null ? "lines+markers" : "lines",
                ["name"] = s.Name,
                ["x"] = Array(s.X),
                ["y"] = Array(s.Y),
            };
            if (s.Style is { } style)
            {
                var line = new JsonObject { ["dash"] = style.Dash, ["width"] = style.Width };
                if (style.Color is not null) line["color"] = style.Color;
                trace["line"] = line;
                if (style.Marker is not null)
                {
                    trace["marker"] = new JsonObject { ["symbol"] = style.Marker, ["size"] = 8,
                        ["color"] = style.Color is null ? null : JsonValue.Create(style.Color) };
                    trace["cliponaxis"] = false; // a point on the axis range's edge (an observed share of 1) shows whole
                }
            }
            traces.Add(trace);
        }
        return Build(title, traces, layout);
    }

    /// <summary>
    /// A heatmap of <paramref name="z"/>[row][column], rows labelled by <paramref name="yLabels"/>. With
    /// <paramref name="diverging"/> the colours are centred on zero whatever the values: blue below, white at zero, red
    /// above, on a range symmetric about zero (then <paramref name="colorScale"/> is not used). Cells show
    /// <paramref name="cellText"/> of their value (empty where the value is missing), else the value as it is; the colour
    /// bar has <paramref name="colorBarTitle"/> and ticks in <paramref name="colorBarFormat"/> (d3 syntax, e.g. <c>+.0%</c>).
    /// </summary>
    public static Chart Heatmap(string title, IReadOnlyList<string> xLabels, IReadOnlyList<string> yLabels,
        IReadOnlyList<IReadOnlyList<double>> z, ChartLayout? layout = null, string colorScale = "Blues", bool reverseScale = false,
        bool diverging = false, Func<double, string>? cellText = null, string? colorBarTitle = null, string? colorBarFormat = null)
    {
        Require(z.Count == yLabels.Count, $"heatmap: {yLabels.Count} row labels but {z.Count} rows");
        for (var r = 0; r < z.Count; r++)
            Require(z[r].Count == xLabels.Count, $"heatmap: row {r} has {z[r].Count} cells but there are {xLabels.Count} column labels");
        var trace = new JsonObject
        {
            ["type"] = "heatmap",
            ["x"] = Array(xLabels),
            ["y"] = Array(yLabels),
            ["z"] = new JsonArray(z.Select(row => (JsonNode?)Array(row)).ToArray()),
            ["colorscale"] = colorScale,
            ["reversescale"] = reverseScale,
            ["texttemplate"] = cellText is null ? "%{z}" : "%{text}",
        };
        if (cellText is not null)
            trace["text"] = new JsonArray(z.Select(row => (JsonNode?)Array(row.Select(v => double.IsFinite(v) ? cellText(v) : ""))).ToArray());
        if (diverging)
        {
            var extent = z.SelectMany(row => row).Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
            extent = extent > 0 ? extent : 1;
            trace["colorscale"] = new JsonArray(RedBlue.Select(stop => (JsonNode?)new JsonArray(stop.At, stop.Color)).ToArray());
            trace["reversescale"] = false;
            trace["zmid"] = 0;
            trace["zmin"] = -extent;
            trace["zmax"] = extent;
        }
        var colorBar = new JsonObject();
        if (colorBarTitle is not null) colorBar["title"] = new JsonObject { ["text"] = colorBarTitle };
        if (colorBarFormat is not null) colorBar["tickformat"] = colorBarFormat;
        if (colorBar.Count > 0) trace["colorbar"] = colorBar;
        return Build(title, new JsonArray(trace), layout);
    }

    /// <summary>
    /// Two panels sharing categories: a share with its interval on top (e.g. the share in fair or poor health by
    /// level) and counts below, as the original's seaborn proportion/count pairs.
    /// </summary>
    public static Chart ShareAndCount(string title, IReadOnlyList<string> categories, IReadOnlyList<double> share,
        IReadOnlyList<double> lower, IReadOnlyList<double> upper, IReadOnlyList<double> counts, string shareTitle, ChartLayout? layout = null)
    {
        Require(share.Count == categories.Count && lower.Count == categories.Count && upper.Count == categories.Count
            && counts.Count == categories.Count,
            "share-and-count: every series needs one value per category");
        var top = new JsonObject
        {
            ["type"] = "bar", ["name"] = shareTitle, ["x"] = Array(categories), ["y"] = Array(share), ["xaxis"] = "x", ["yaxis"] = "y",
            ["error_y"] = new JsonObject
            {
                ["type"] = "data", ["symmetric"] = false,
                ["array"] = Array(share.Select((v, i) => upper[i] - v)), ["arrayminus"] = Array(share.Select((v, i) => v - lower[i])),
            },
        };
        var bottom = new JsonObject { ["type"] = "bar", ["name"] = "respondents", ["x"] = Array(categories), ["y"] = Array(counts), ["xaxis"] = "x2",
            ["yaxis"] = "y2", ["marker"] = new JsonObject { ["color"] = "#9aa5b1" } };
        layout ??= new ChartLayout(Height: 520);
        return Build(title, new JsonArray(top, bottom), layout, extra: l =>
        {
            l["showlegend"] = false;
            l["yaxis"] = new JsonObject { ["domain"] = new JsonArray(0.45, 1.0), ["tickformat"] = ".0%",
                ["title"] = new JsonObject { ["text"] = shareTitle } };
            l["xaxis"] = new JsonObject { ["anchor"] = "y", ["showticklabels"] = false, ["type"] = "category" };
            l["yaxis2"] = new JsonObject { ["domain"] = new JsonArray(0.0, 0.38), ["anchor"] = "x2",
                ["title"] = new JsonObject { ["text"] = "respondents" } };
            l["xaxis2"] = new JsonObject { ["anchor"] = "y2", ["matches"] = "x", ["type"] = "category",
                ["title"] = new JsonObject { ["text"] = layout.XTitle ?? "" } };
        });
    }

    /// <summary>ColorBrewer's RdBu, blue for the lowest values and red for the highest, white at the middle (zero).</summary>
    private static readonly (double At, string Color)[] RedBlue =
    [
        (0.0, "#2166ac"), (0.1, "#4393c3"), (0.25, "#92c5de"), (0.4, "#d1e5f0"), (0.5, "#f7f7f7"),
        (0.6, "#fddbc7"), (0.75, "#f4a582"), (0.9, "#d6604d"), (1.0, "#b2182b"),
    ];

    private static Chart Build(string title, JsonArray traces, ChartLayout? layout, Action<JsonObject>? extra = null)
    {
        layout ??= new ChartLayout();
        var l = new JsonObject
        {
            ["title"] = new JsonObject { ["text"] = title },
            ["width"] = layout.Width,
            ["height"] = layout.Height,
            ["xaxis"] = Axis(layout.XTitle, layout.XMin, layout.XMax, percent: false),
            ["yaxis"] = Axis(layout.YTitle, layout.YMin, layout.YMax, layout.YPercent),
        };
        if (layout.LegendBelow)
            l["legend"] = new JsonObject { ["orientation"] = "h", ["x"] = 0, ["xanchor"] = "left", ["y"] = -0.16, ["yanchor"] = "top" };
        extra?.Invoke(l);
        return new Chart(title, new JsonObject { ["data"] = traces, ["layout"] = l });
    }

    private static JsonObject Axis(string? title, double? min, double? max, bool percent)
    {
        var axis = new JsonObject();
        if (title is not null) axis["title"] = new JsonObject { ["text"] = title };
        if (min is not null && max is not null) axis["range"] = new JsonArray(min.Value, max.Value);
        if (percent) axis["tickformat"] = ".0%";
        return axis;
    }

    private static JsonArray Array(IEnumerable<double> values) =>
        new(values.Select(v => double.IsFinite(v) ? JsonValue.Create(v) : null).Cast<JsonNode?>().ToArray());

    private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}
