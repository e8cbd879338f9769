using System.Text.Json;
using global::Plotly.NET;
using Microsoft.FSharp.Core;

namespace PopHealth.Charts.Plotly;

/// <summary>
/// Turns a plotly.js figure (JSON: <c>{"data":[…],"layout":{…}}</c>, plotly.js attribute names) into
/// HTML through Plotly.NET. Plain .NET in, plain .NET out: the caller lives in another
/// AssemblyLoadContext and must never see an F# type.
/// </summary>
public static class PlotlyRenderer
{
    /// <param name="figureJson">The figure: traces under <c>data</c>, layout under <c>layout</c>.</param>
    /// <param name="script">How the page gets plotly.js: <c>cdn</c>, <c>require</c> (notebook front ends) or
    /// <c>embedded</c> (offline, self-contained).</param>
    /// <param name="document"><c>true</c> for a whole HTML page, <c>false</c> for a fragment to display inline.</param>
    public static string Render(string figureJson, string script, bool document)
    {
        using var json = JsonDocument.Parse(figureJson);
        var root = json.RootElement;
        var traces = root.GetProperty("data").EnumerateArray().Select(ToTrace).ToArray();
        var chart = GenericChart.ofTraceObjects(true, traces);

        var layout = new Layout();
        if (root.TryGetProperty("layout", out var layoutJson))
            foreach (var property in layoutJson.EnumerateObject())
                layout.SetProperty(property.Name, ToValue(property.Value));
        chart = GenericChart.addLayout(layout, chart);

        // The plotly.js build Plotly.NET 6.0.0 embeds; the CDN forms point at the same version.
        const string cdn = "https://cdn.plot.ly/plotly-2.28.0.min.js";
        var reference = script switch
        {
            "embedded" => PlotlyJSReference.Full,
            "require" => PlotlyJSReference.NewRequire(cdn),
            "cdn" => PlotlyJSReference.NewCDN(cdn),
            _ => throw new ArgumentException($"Unknown plotly.js reference '{script}' (expected cdn, require or embedded).", nameof(script)),
        };
        chart = GenericChart.addDisplayOptions(DisplayOptions.init(null, null, null, null, null, null,
            FSharpOption<PlotlyJSReference>.Some(reference)), chart);
        return document ? GenericChart.toEmbeddedHTML(chart) : GenericChart.toChartHTML(chart);
    }

    /// <summary>
    /// The plotly.js build Plotly.NET embeds (its text, and its licence notice), for pages that draw several figures
    /// with one copy of the library and must open offline.
    /// </summary>
    public static string Script(bool licence)
    {
        var assembly = typeof(GenericChart).Assembly;
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith(licence ? ".min.js.LICENSE.txt" : ".min.js", StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static Trace ToTrace(JsonElement element)
    {
        var type = element.TryGetProperty("type", out var t) ? t.GetString() ?? "scatter" : "scatter";
        var trace = new Trace2D(type);
        foreach (var property in element.EnumerateObject())
            if (property.Name != "type")
                trace.SetProperty(property.Name, ToValue(property.Value));
        return trace;
    }

    private static object? ToValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ToValue(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(ToValue).ToArray(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
