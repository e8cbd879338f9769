using System.Text.Json.Nodes;

namespace PopHealth.Charts;

/// <summary>A named line: x and y of equal length.</summary>
public sealed record LineSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>A named set of bars over categories, with optional lower/upper error bounds (e.g. a 95 % CI).</summary>
public sealed record BarSeries(string Name, IReadOnlyList<string> Categories, IReadOnlyList<double> Values,
    IReadOnlyList<double>? Lower = null, IReadOnlyList<double>? Upper = null);

/// <summary>Axis and size options shared by every chart.</summary>
public sealed record ChartLayout(string? XTitle = null, string? YTitle = null, int Width = 760, int Height = 440,
    double? YMin = null, double? YMax = null, double? XMin = null, double? XMax = null, bool YPercent = false);

/// <summary>The workbook's chart vocabulary: each method returns a <see cref="Chart"/>.</summary>
public static partial class Plots
{
    /// <summary>Bars (vertical, or horizontal with <paramref name="horizontal"/>), one trace per series, grouped.</summary>
    public static Chart Bars(string title, IEnumerable<BarSeries> series, ChartLayout? layout = null, bool horizontal = false)
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
                Require(s.Lower.Count == s.Values.Count && s.Upper.Count == s.Values.Count, $"bar series '{s.Name}': error bounds must match the values");
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
        return Build(title, traces, layout, extra: l => l["barmode"] = "group");
    }

    /// <summary>One bar series.</summary>
    public static Chart Bar(string title, IReadOnlyList<string> categories, IReadOnlyList<double> values, ChartLayout? layout = null, bool horizontal = false) =>
        Bars(title, [new BarSeries(title, categories, values)], layout, horizontal);

    /// <summary>Lines with markers, one trace per series.</summary>
    public static Chart Lines(string title, IEnumerable<LineSeries> series, ChartLayout? layout = null, bool markers = true)
    {
        var traces = new JsonArray();
        foreach (var s in series)
        {
            Require(s.X.Count == s.Y.Count, $"line series '{s.Name}': {s.X.Count} x values but {s.Y.Count} y values");
            traces.Add(new JsonObject
            {
                ["type"] = "scatter",
                ["mode"] = markers ? "lines+markers" : "lines",
                ["name"] = s.Name,
                ["x"] = Array(s.X),
                ["y"] = Array(s.Y),
            });
        }
        return Build(title, traces, layout);
    }

    /// <summary>A heatmap of <paramref name="z"/>[row][column], rows labelled by <paramref name="yLabels"/>.</summary>
    public static Chart Heatmap(string title, IReadOnlyList<string> xLabels, IReadOnlyList<string> yLabels,
        IReadOnlyList<IReadOnlyList<double>> z, ChartLayout? layout = null, string colorScale = "Blues", bool reverseScale = false)
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
            ["texttemplate"] = "%{z}",
        };
        return Build(title, new JsonArray(trace), layout);
    }

    /// <summary>
    /// Two panels sharing categories: a share with its interval on top (e.g. the share in fair or poor health by
    /// level) and counts below, as the original's seaborn proportion/count pairs.
    /// </summary>
    public static Chart ShareAndCount(string title, IReadOnlyList<string> categories, IReadOnlyList<double> share,
        IReadOnlyList<double> lower, IReadOnlyList<double> upper, IReadOnlyList<double> counts, string shareTitle, ChartLayout? layout = null)
    {
        Require(share.Count == categories.Count && lower.Count == categories.Count && upper.Count == categories.Count && counts.Count == categories.Count,
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
        var bottom = new JsonObject { ["type"] = "bar", ["name"] = "respondents", ["x"] = Array(categories), ["y"] = Array(counts), ["xaxis"] = "x2", ["yaxis"] = "y2", ["marker"] = new JsonObject { ["color"] = "#9aa5b1" } };
        layout ??= new ChartLayout(Height: 520);
        return Build(title, new JsonArray(top, bottom), layout, extra: l =>
        {
            l["showlegend"] = false;
            l["yaxis"] = new JsonObject { ["domain"] = new JsonArray(0.45, 1.0), ["tickformat"] = ".0%", ["title"] = new JsonObject { ["text"] = shareTitle } };
            l["xaxis"] = new JsonObject { ["anchor"] = "y", ["showticklabels"] = false, ["type"] = "category" };
            l["yaxis2"] = new JsonObject { ["domain"] = new JsonArray(0.0, 0.38), ["anchor"] = "x2", ["title"] = new JsonObject { ["text"] = "respondents" } };
            l["xaxis2"] = new JsonObject { ["anchor"] = "y2", ["matches"] = "x", ["type"] = "category", ["title"] = new JsonObject { ["text"] = layout.XTitle ?? "" } };
        });
    }

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
