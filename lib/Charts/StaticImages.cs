using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PopHealth.Workbook;

namespace PopHealth.Charts;

/// <summary>
/// PNG and SVG images of charts, drawn by a headless Chromium (Debian's <c>chromium</c> package, or the browser named
/// by <c>POPHEALTH_CHROMIUM</c>): nothing is downloaded at run time. One browser, started at the first image and kept
/// for the process (<see cref="ChartBrowser"/>), draws every image. Without a browser, or when it cannot start,
/// nothing fails: the save methods return null and <see cref="SkipNotice"/> says so once.
/// </summary>
public static class StaticImages
{
    /// <summary>Set (to anything) by the runner: inline charts then carry a PNG for viewers that strip scripts.</summary>
    public const string EmbedVariable = WorkbookVariables.StaticImages;
    public const string BrowserVariable = WorkbookVariables.Chromium;

    private static int noticeShown;

    /// <summary>
    /// The headless browser used (an executable, or a running browser's DevTools address given by the runner), or null
    /// when none is installed.
    /// </summary>
    public static string? Browser => FindBrowser();

    public static bool Available => Browser is not null;

    /// <summary>Whether inline charts should embed a static image (the runner asks for it and a browser exists).</summary>
    public static bool EmbedInline => WorkbookVariables.Read(EmbedVariable) is not null && Available;

    /// <summary>
    /// A one-time notice when images were asked for but no browser exists or it could not draw (null after the first
    /// call, or when not needed).
    /// </summary>
    public static string? SkipNotice()
    {
        if (Available && ChartBrowser.LastFailure is null) return null;
        if (Interlocked.Exchange(ref noticeShown, 1) == 1) return null;
        return Available
            ? $"Static chart images skipped: {ChartBrowser.LastFailure}. Charts stay interactive."
            : "Static chart images skipped: no headless Chromium found (install Debian's chromium package, or set POPHEALTH_CHROMIUM). " +
                "Charts stay interactive.";
    }

    private static (string? Named, string Path, string? Found)? lastLookup;

    /// <summary>The browser named by the variable or found on PATH; looked up again only when either changes.</summary>
    private static string? FindBrowser()
    {
        var named = WorkbookVariables.Read(BrowserVariable);
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (lastLookup is { } last && last.Named == named && last.Path == path) return last.Found;
        var found = Locate(named, path);
        lastLookup = (named, path, found);
        return found;
    }

    private static string? Locate(string? named, string path)
    {
        if (named is not null) return ChartBrowser.IsEndpoint(named) || File.Exists(named) ? named : null;
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome", "chrome" })
            foreach (var folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(folder, OperatingSystem.IsWindows() ? name + ".exe" : name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    private static (int Width, int Height) Size(Chart chart)
    {
        var layout = JsonNode.Parse(chart.FigureJson)?["layout"];
        return ((int?)layout?["width"]?.GetValue<double>() ?? 760, (int?)layout?["height"]?.GetValue<double>() ?? 440);
    }

    /// <summary>The chart as PNG bytes, or null without a browser (or when the browser fails).</summary>
    public static byte[]? RenderPng(Chart chart)
    {
        var url = Draw(chart, "png");
        const string prefix = "data:image/png;base64,";
        return url is not null && url.StartsWith(prefix, StringComparison.Ordinal) ? Convert.FromBase64String(url[prefix.Length..]) : null;
    }

    /// <summary>The chart as SVG text (plotly.js's own export, run in the browser), or null without a browser.</summary>
    public static string? RenderSvg(Chart chart)
    {
        var url = Draw(chart, "svg");
        const string prefix = "data:image/svg+xml,";
        return url is not null && url.StartsWith(prefix, StringComparison.Ordinal) ? Uri.UnescapeDataString(url[prefix.Length..]) : null;
    }

    /// <summary>
    /// Starts the headless browser in the background when inline images are asked for (<see cref="EmbedInline"/>), so
    /// the first chart need not wait for it; the package's kernel extension calls it. Does nothing otherwise.
    /// </summary>
    public static void Prepare()
    {
        if (EmbedInline && Browser is { } browser) ChartBrowser.Start(browser);
    }

    /// <summary>
    /// Starts this process's headless browser in the background, with plotly.js loaded, for other processes to draw in,
    /// and returns its DevTools address (<c>http://127.0.0.1:port</c>) at once, or null without a browser. The runner
    /// passes it to each notebook's kernel as <see cref="BrowserVariable"/>, so one browser serves a whole run and starts
    /// while the first kernel boots; it closes when this process exits.
    /// </summary>
    public static string? ShareBrowser() => Browser is { } browser ? ChartBrowser.Share(browser) : null;

    /// <summary>
    /// Raised with the browser's process as soon as this process launches one: the runner watches it, so that the browser
    /// is stopped however the runner ends.
    /// </summary>
    public static event Action<System.Diagnostics.Process>? BrowserLaunched
    {
        add => ChartBrowser.Launched += value;
        remove => ChartBrowser.Launched -= value;
    }

    /// <summary>Closes this process's headless browser now (the next image starts another); otherwise it closes at exit.</summary>
    public static void CloseBrowser() => ChartBrowser.Close();

    /// <summary>How many headless browsers this process has started: one serves every image, unless one failed.</summary>
    public static int BrowserLaunches => ChartBrowser.Launches;

    /// <summary>plotly.js's export of the chart at its layout size, drawn in the process's one browser (<see cref="ChartBrowser"/>).</summary>
    private static string? Draw(Chart chart, string format)
    {
        if (Browser is not { } browser) return null;
        var (width, height) = Size(chart);
        return ChartBrowser.Draw(browser, chart.ImageSource, format, width, height);
    }

    /// <summary>
    /// Saves a screenshot of a local page (a dashboard) as PNG, atomically: <paramref name="width"/> pixels wide, the page's whole
    /// height, drawn offline (every request that would leave the machine is refused). The full path, or null without a browser.
    /// </summary>
    public static string? SavePageScreenshot(string htmlPath, string pngPath, int width = 1280)
    {
        if (Browser is not { } browser || ChartBrowser.Screenshot(browser, htmlPath, width) is not { } png) return null;
        var full = Path.GetFullPath(pngPath);
        AtomicFile.Write(full, (Stream stream) => stream.Write(png));
        return full;
    }

    /// <summary>Saves the chart as PNG (atomically); returns the full path, or null without a browser.</summary>
    public static string? SavePng(Chart chart, string path)
    {
        var png = RenderPng(chart);
        if (png is null) return null;
        var full = Path.GetFullPath(path);
        AtomicFile.Write(full, (Stream stream) => stream.Write(png));
        return full;
    }

    /// <summary>Saves the chart as SVG (atomically); returns the full path, or null without a browser.</summary>
    public static string? SaveSvg(Chart chart, string path)
    {
        var svg = RenderSvg(chart);
        if (svg is null) return null;
        var full = Path.GetFullPath(path);
        AtomicFile.WriteAllText(full, svg);
        return full;
    }

    /// <summary>
    /// An inline chart with its PNG in front: viewers that strip scripts (code hosts) show the image; where scripts
    /// run, the image is removed as soon as plotly.js has drawn the interactive chart (and kept if it never does).
    /// </summary>
    internal static string WithStaticImage(string inlineHtml, byte[] png) =>
        $"<div class=\"pophealth-static\"><img alt=\"chart\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"/></div>" +
        "<script>(function(){var img=document.currentScript.previousElementSibling,tries=0;var t=setInterval(function(){" +
        "var host=img.parentElement;if((host&&host.querySelector('.main-svg'))||++tries>100)" +
        "{clearInterval(t);if(tries<=100)img.remove();}},200);})();</script>" +
        inlineHtml;

    private static readonly Regex InlineImage =
        new("^<div class=\"pophealth-static\"><img alt=\"chart\" src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"", RegexOptions.CultureInvariant);

    /// <summary>The PNG (base64) an inline chart carries in front (<see cref="Chart.ToInlineHtml"/>), or null when it has none.</summary>
    public static string? InlinePng(string? inlineHtml) =>
        inlineHtml is not null && InlineImage.Match(inlineHtml) is { Success: true } match ? match.Groups[1].Value : null;
}
