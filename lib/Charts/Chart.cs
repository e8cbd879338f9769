using System.Text.Json.Nodes;
using PopHealth.Workbook;

namespace PopHealth.Charts;

/// <summary>How a chart's HTML gets plotly.js.</summary>
public enum PlotlyScript
{
    /// <summary>Loaded through require.js from the plotly CDN (inline notebook output).</summary>
    Require,
    /// <summary>A script tag pointing at the plotly CDN: a small page that needs a network to draw.</summary>
    Cdn,
    /// <summary>plotly.js embedded in the page: works offline, about 3.5 MB a chart.</summary>
    Embedded,
}

/// <summary>
/// A chart: a plotly.js figure (traces and layout, plotly.js attribute names) held as JSON. It renders
/// to HTML through Plotly.NET in an isolated load context (<see cref="PlotlyHost"/>), displays inline
/// in a notebook (the package's kernel extension registers it as text/html), and saves as a standalone
/// page. Because the figure is plain plotly.js JSON, any plotly.js host (a headless browser for PNG/SVG
/// export, a web page) can draw the same chart.
/// </summary>
public sealed class Chart
{
    internal Chart(string title, JsonObject figure)
    {
        Title = title;
        FigureJson = figure.ToJsonString();
    }

    /// <summary>The chart's title (also its default file name).</summary>
    public string Title { get; }

    /// <summary>The plotly.js figure: <c>{"data":[…],"layout":{…}}</c>.</summary>
    public string FigureJson { get; }

    /// <summary>
    /// An HTML fragment for a notebook output; it loads plotly.js through require.js, as Jupyter and VS Code expect.
    /// When the runner asks for static images (<see cref="StaticImages.EmbedVariable"/>), a PNG of the chart comes
    /// first for viewers that strip scripts; without a browser that is said once.
    /// </summary>
    public string ToInlineHtml()
    {
        var html = PlotlyHost.Render(FigureJson, PlotlyScript.Require, document: false);
        imageSource ??= html;
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(StaticImages.EmbedVariable))) return html;
        if (StaticImages.EmbedInline && StaticImages.RenderPng(this) is { } png) return StaticImages.WithStaticImage(html, png);
        return StaticImages.SkipNotice() is { } notice ? $"<p><em>{System.Net.WebUtility.HtmlEncode(notice)}</em></p>{html}" : html;
    }

    private string? imageSource;

    /// <summary>
    /// The inline fragment the browser draws images from: Plotly.NET's rendering costs more than the image itself, so a
    /// chart is rendered once for its display and its images (the fragment's div id does not matter to a picture).
    /// </summary>
    internal string ImageSource => imageSource ??= PlotlyHost.Render(FigureJson, PlotlyScript.Require, document: false);

    /// <summary>Saves the chart as PNG (headless Chromium); the full path, or null when no browser is installed.</summary>
    public string? SavePng(string path) => StaticImages.SavePng(this, path);

    /// <summary>Saves the chart as SVG (plotly.js's export in headless Chromium); the full path, or null when no browser is installed.</summary>
    public string? SaveSvg(string path) => StaticImages.SaveSvg(this, path);

    /// <summary>A whole HTML page; <see cref="PlotlyScript.Embedded"/> by default so it opens offline.</summary>
    public string ToHtmlDocument(PlotlyScript script = PlotlyScript.Embedded) => PlotlyHost.Render(FigureJson, script, document: true);

    /// <summary>Saves the chart as a standalone HTML page (atomically) and returns the full path.</summary>
    public string SaveHtml(string path, PlotlyScript script = PlotlyScript.Embedded)
    {
        var full = Path.GetFullPath(path);
        AtomicFile.WriteAllText(full, ToHtmlDocument(script));
        return full;
    }

    /// <summary>The figure's traces, for inspection and tests.</summary>
    public JsonArray Traces => (JsonArray)JsonNode.Parse(FigureJson)!["data"]!;

    public override string ToString() => $"Chart \"{Title}\" ({Traces.Count} trace(s))";
}
