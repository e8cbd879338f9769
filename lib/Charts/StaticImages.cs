using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PopHealth.Workbook;

namespace PopHealth.Charts;

/// <summary>
/// PNG and SVG images of charts, drawn by a headless Chromium (Debian's <c>chromium</c> package, or the browser named
/// by <c>POPHEALTH_CHROMIUM</c>) from the chart's self-contained page: nothing is downloaded at run time. Without a
/// browser nothing fails: the save methods return null and <see cref="SkipNotice"/> says so once.
/// </summary>
public static class StaticImages
{
    /// <summary>Set (to anything) by the runner: inline charts then carry a PNG for viewers that strip scripts.</summary>
    public const string EmbedVariable = WorkbookVariables.StaticImages;
    public const string BrowserVariable = WorkbookVariables.Chromium;

    private static int noticeShown;

    /// <summary>The headless browser used, or null when none is installed.</summary>
    public static string? Browser => FindBrowser();

    public static bool Available => Browser is not null;

    /// <summary>Whether inline charts should embed a static image (the runner asks for it and a browser exists).</summary>
    public static bool EmbedInline => WorkbookVariables.Read(EmbedVariable) is not null && Available;

    /// <summary>A one-time notice when images were asked for but no browser exists (null after the first call, or when not needed).</summary>
    public static string? SkipNotice()
    {
        if (Available || Interlocked.Exchange(ref noticeShown, 1) == 1) return null;
        return "Static chart images skipped: no headless Chromium found (install Debian's chromium package, or set POPHEALTH_CHROMIUM). Charts stay interactive.";
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
        if (named is not null) return File.Exists(named) ? named : null;
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
        var (width, height) = Size(chart);
        return InBrowser(chart, "", (folder, page) =>
        {
            var png = Path.Combine(folder, "chart.png");
            Run(["--screenshot=" + png, $"--window-size={width + 20},{height + 20}", page], folder);
            return File.Exists(png) ? File.ReadAllBytes(png) : null;
        });
    }

    /// <summary>The chart as SVG text (plotly.js's own export, run in the browser), or null without a browser.</summary>
    public static string? RenderSvg(Chart chart)
    {
        var (width, height) = Size(chart);
        var export = $$"""
            <script>
            (function () {
              var plot = document.querySelector('.js-plotly-plot') || document.querySelector('div[id]');
              Plotly.toImage(plot, { format: 'svg', width: {{width}}, height: {{height}} }).then(function (url) {
                var out = document.createElement('pre'); out.id = 'pophealth-svg'; out.textContent = url; document.body.appendChild(out);
              });
            })();
            </script>
            """;
        return InBrowser(chart, export, (folder, page) =>
        {
            var match = Regex.Match(Run(["--dump-dom", page], folder), "<pre id=\"pophealth-svg\">data:image/svg\\+xml,([^<]*)</pre>");
            return match.Success ? Uri.UnescapeDataString(System.Net.WebUtility.HtmlDecode(match.Groups[1].Value)) : null;
        });
    }

    /// <summary>
    /// Writes the chart's self-contained page (toolbar hidden, <paramref name="script"/> added at the end of the body)
    /// into a temporary folder, lets <paramref name="use"/> point the browser at it, and removes the folder.
    /// </summary>
    private static T? InBrowser<T>(Chart chart, string script, Func<string, string, T?> use) where T : class
    {
        if (Browser is null) return null;
        var folder = Directory.CreateTempSubdirectory("pophealth-chart-");
        try
        {
            var page = Path.Combine(folder.FullName, "chart.html");
            var html = HideToolbar(chart.ToHtmlDocument(PlotlyScript.Embedded));
            File.WriteAllText(page, script.Length == 0 ? html : html.Replace("</body>", script + "</body>", StringComparison.OrdinalIgnoreCase));
            return use(folder.FullName, new Uri(page).AbsoluteUri);
        }
        finally
        {
            try { folder.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A picture has no use for plotly's hover toolbar.</summary>
    private static string HideToolbar(string html) =>
        html.Replace("</head>", "<style>.modebar-container{display:none !important}</style></head>", StringComparison.OrdinalIgnoreCase);

    private static string Run(IEnumerable<string> arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(Browser!)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
        };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
                     "--virtual-time-budget=5000", $"--user-data-dir={Path.Combine(workingDirectory, "profile")}" }.Concat(arguments))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            return "";
        }
        return output.Result;
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
        "var host=img.parentElement;if((host&&host.querySelector('.main-svg'))||++tries>100){clearInterval(t);if(tries<=100)img.remove();}},200);})();</script>" +
        inlineHtml;
}
