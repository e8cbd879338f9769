using PuppeteerSharp;

namespace PopHealth.Charts;

/// <summary>
/// The one headless browser a process draws chart images with: launched (through PuppeteerSharp, from the installed
/// executable; nothing is downloaded) at the first image, kept with one page holding plotly.js, and closed when the
/// process exits. Each image is plotly.js's own export (<c>Plotly.toImage</c>) of the chart's inline fragment exactly as
/// Plotly.NET writes it (its require.js loader answered by the page's plotly.js), so a picture costs about a tenth of a
/// second instead of a browser start.
/// </summary>
internal sealed class ChartBrowser
{
    private const int TimeoutMs = 60_000;
    private static readonly object Gate = new();
    private static Task<ChartBrowser>? session;
    private static string? sessionExecutable;
    private static int launches;

    private readonly IBrowser browser;
    private readonly IPage page;
    private readonly DirectoryInfo? folder; // the plotly.js page's folder, when this process made the page
    private readonly bool launched;         // false when connected to another process's browser: that process closes it

    private ChartBrowser(IBrowser browser, IPage page, DirectoryInfo? folder, bool launched) =>
        (this.browser, this.page, this.folder, this.launched) = (browser, page, folder, launched);

    /// <summary>The file name of the page holding plotly.js, by which a connecting process finds it.</summary>
    private const string PageFile = "pophealth-plotly.html";

    /// <summary>Whether <paramref name="browser"/> names a running browser's DevTools endpoint rather than an executable.</summary>
    public static bool IsEndpoint(string browser) =>
        browser.StartsWith("ws://", StringComparison.Ordinal) || browser.StartsWith("http://", StringComparison.Ordinal);

    /// <summary>
    /// Raised with each browser process this process launches (the runner watches it, see
    /// <see cref="StaticImages.BrowserLaunched"/>).
    /// </summary>
    public static event Action<System.Diagnostics.Process>? Launched;

    /// <summary>Browsers started by this process so far.</summary>
    public static int Launches => Volatile.Read(ref launches);

    /// <summary>Why the last start or image failed (null when none did).</summary>
    public static string? LastFailure { get; private set; }

    static ChartBrowser() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAtExit();

    /// <summary>
    /// At process exit there is no time for a polite close (a test host or kernel may be stopped mid-way), and a browser
    /// left behind would outlive its parent: this process's own browser is killed outright. One still starting is waited for
    /// (briefly) first: a browser that finished starting after its parent exited would hold the parent's output pipes open,
    /// and whoever reads them to their end (the notebook runner) would wait forever.
    /// </summary>
    private static void KillAtExit()
    {
        if (session is not { } pending) return;
        try { pending.Wait(TimeSpan.FromSeconds(20)); }
        catch (AggregateException) { return; } // it never started
        if (!pending.IsCompletedSuccessfully) return;
        var started = pending.Result;
        if (started.launched)
            try { started.browser.Process?.Kill(entireProcessTree: true); }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException) { }
        else started.browser.Disconnect();
        try { started.folder?.Delete(recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Starts (or connects to) the browser in the background unless it is running or starting.</summary>
    public static void Start(string executable)
    {
        lock (Gate) Session(executable);
    }

    /// <summary>
    /// Launches this process's browser in the background (unless running) on a DevTools port chosen now, and returns
    /// that port's address at once; other processes given it draw in this browser (<see cref="StaticImages.ShareBrowser"/>).
    /// </summary>
    public static string Share(string executable)
    {
        if (IsEndpoint(executable)) return executable;
        lock (Gate)
        {
            if (sharedAddress is not null && sessionExecutable == executable && session is not null) return sharedAddress;
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            Session(executable, port);
            return sharedAddress = $"http://127.0.0.1:{port}";
        }
    }

    private static string? sharedAddress;
    private static string? unusable; // the browser that could not be started or reached, once per process

    private static Task<ChartBrowser> Session(string executable, int? port = null)
    {
        if (session is not null && sessionExecutable == executable
            && !(session.IsCompletedSuccessfully && !session.Result.browser.IsConnected)) return session;
        Close();
        sessionExecutable = executable;
        return session = Task.Run(() => IsEndpoint(executable) ? ConnectAsync(executable) : LaunchAsync(executable, port));
    }

    /// <summary>
    /// The chart's inline fragment (<paramref name="inlineHtml"/>, see <see cref="Chart.ToInlineHtml"/>) as a data URL
    /// (<paramref name="format"/> <c>png</c> or <c>svg</c>) drawn in the browser at
    /// <paramref name="executable"/>, or null when it cannot be started or fails (the reason in <see cref="LastFailure"/>).
    /// Renders one at a time; the browser is restarted after a failure or when the executable changes.
    /// </summary>
    public static string? Draw(string executable, string inlineHtml, string format, int width, int height) =>
        InBrowser(executable, "draw the chart", started => started.page.EvaluateFunctionAsync<string?>(Export, inlineHtml, format, width, height));

    /// <summary>
    /// A screenshot (PNG) of the local page at <paramref name="htmlPath"/>, <paramref name="width"/> pixels wide and as tall as
    /// its content, opened in a new tab of the process's browser with every request that would leave the machine refused (a page
    /// for offline use must draw without them); null when the browser cannot be started or fails (see <see cref="LastFailure"/>).
    /// </summary>
    public static byte[]? Screenshot(string executable, string htmlPath, int width) =>
        InBrowser<byte[]>(executable, "draw the page", started => started.ShootAsync(new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri, width));

    /// <summary>
    /// Runs <paramref name="work"/> in the process's browser, one piece of work at a time: null when the browser cannot be started
    /// or the work fails (the reason in <see cref="LastFailure"/>). A browser that never started is not tried again for every
    /// image; one that failed a piece of work is restarted for the next.
    /// </summary>
    private static T? InBrowser<T>(string executable, string what, Func<ChartBrowser, Task<T?>> work) where T : class
    {
        lock (Gate)
        {
            if (executable == unusable) return null;
            var starting = Session(executable);
            try
            {
                var started = starting.GetAwaiter().GetResult();
                var result = Task.Run(() => work(started)).GetAwaiter().GetResult();
                LastFailure = null;
                return result;
            }
            catch (Exception e) when (e is PuppeteerException or ProcessException or TimeoutException or IOException or InvalidOperationException
                                        or HttpRequestException or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
            {
                if (starting.IsFaulted) unusable = executable;
                LastFailure = $"the browser at {executable} could not {(starting.IsFaulted ? "start" : what)} ({Reason(e)})";
                Close();
                return null;
            }
        }
    }

    private async Task<byte[]?> ShootAsync(string url, int width)
    {
        var tab = await browser.NewPageAsync();
        try
        {
            tab.DefaultTimeout = TimeoutMs;
            await tab.SetViewportAsync(new ViewPortOptions { Width = width, Height = 900 });
            await tab.SetRequestInterceptionAsync(true);
            tab.Request += async (_, e) =>
            {
                if (e.Request.Url.StartsWith("file:", StringComparison.Ordinal) || e.Request.Url.StartsWith("data:", StringComparison.Ordinal))
                    await e.Request.ContinueAsync();
                else await e.Request.AbortAsync();
            };
            await tab.GoToAsync(url, WaitUntilNavigation.Load);
            await Task.Delay(500); // plotly.js draws after load; its transitions settle within this
            return await tab.ScreenshotDataAsync(new ScreenshotOptions { FullPage = true, Type = ScreenshotType.Png });
        }
        finally { await tab.CloseAsync(); }
    }

    /// <summary>Closes the browser (the next image starts a new one).</summary>
    public static void Close()
    {
        lock (Gate)
        {
            var closing = session;
            session = null;
            if (closing is null) return;
            try
            {
                if (!closing.Wait(TimeSpan.FromSeconds(TimeoutMs / 1000))) return;
            }
            catch (AggregateException)
            {
                return; // it never started
            }
            closing.Result.Shut();
        }
    }

    /// <summary>Closes a browser this process launched; leaves another process's browser running, without this process's page.</summary>
    private void Shut()
    {
        if (!launched)
        {
            if (folder is not null)
                try { Task.Run(() => page.CloseAsync()).Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
            browser.Disconnect();
        }
        else
        {
            try { Task.Run(() => browser.CloseAsync()).Wait(TimeSpan.FromSeconds(10)); }
            catch (AggregateException) { }
            try { browser.Process?.Kill(entireProcessTree: true); }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException) { }
        }
        try { folder?.Delete(recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static async Task<ChartBrowser> LaunchAsync(string executable, int? port)
    {
        Interlocked.Increment(ref launches);
        string[] args = ["--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1", "--disable-extensions"];
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Timeout = TimeoutMs,
            ProtocolTimeout = TimeoutMs,
            Args = port is { } p ? [.. args, $"--remote-debugging-port={p}"] : args,
        });
        if (browser.Process is { } process) Launched?.Invoke(process);
        try
        {
            var (page, folder) = await OpenPlotlyPageAsync(browser);
            return new ChartBrowser(browser, page, folder, launched: true);
        }
        catch
        {
            await browser.CloseAsync();
            throw;
        }
    }

    /// <summary>
    /// A page holding plotly.js: a chart's self-contained page with its body emptied, loaded from a file (the browser
    /// reads 3.5 MB of script from disk far faster than through the DevTools protocol).
    /// </summary>
    private static async Task<(IPage Page, DirectoryInfo Folder)> OpenPlotlyPageAsync(IBrowser browser)
    {
        var folder = Directory.CreateTempSubdirectory("pophealth-charts-");
        try
        {
            var page = await browser.NewPageAsync();
            page.DefaultTimeout = TimeoutMs;
            var document = Plots.Bar("", [], []).ToHtmlDocument(PlotlyScript.Embedded);
            var file = Path.Combine(folder.FullName, PageFile);
            var (start, end) = Body(document);
            await File.WriteAllTextAsync(file, document[..start] + RequireShim + "<div id=\"pophealth-host\"></div>" + document[end..]);
            await page.GoToAsync(new Uri(file).AbsoluteUri);
            return (page, folder);
        }
        catch
        {
            folder.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>Draws in the browser another process launched (the runner's), on the page where it loaded plotly.js.</summary>
    private static async Task<ChartBrowser> ConnectAsync(string endpoint)
    {
        var browser = await ConnectWhenListeningAsync(endpoint);
        try
        {
            // The runner opens the page right after its browser starts; a browser without one gets this process's own.
            if (browser.Targets().FirstOrDefault(t => t.Url.EndsWith("/" + PageFile, StringComparison.Ordinal)) is not { } target)
            {
                var (own, folder) = await OpenPlotlyPageAsync(browser);
                return new ChartBrowser(browser, own, folder, launched: false);
            }
            var page = await target.PageAsync();
            page.DefaultTimeout = TimeoutMs;
            await page.WaitForFunctionAsync("() => window.Plotly !== undefined && document.getElementById('pophealth-host') !== null");
            return new ChartBrowser(browser, page, null, launched: false);
        }
        catch
        {
            browser.Disconnect();
            throw;
        }
    }

    /// <summary>The runner starts its browser while the kernel boots: until it listens, connecting is retried (up to the timeout).</summary>
    private static async Task<IBrowser> ConnectWhenListeningAsync(string endpoint)
    {
        var options = endpoint.StartsWith("ws://", StringComparison.Ordinal)
            ? new ConnectOptions { BrowserWSEndpoint = endpoint, ProtocolTimeout = TimeoutMs }
            : new ConnectOptions { BrowserURL = endpoint, ProtocolTimeout = TimeoutMs };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try { return await Puppeteer.ConnectAsync(options); }
            catch (Exception e) when (e is ProcessException or HttpRequestException or System.Net.WebSockets.WebSocketException
                && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>Where the body's content lies: plotly.js in the head may itself hold the text "&lt;body&gt;", so from the end.</summary>
    private static (int Start, int End) Body(string document)
    {
        var start = document.LastIndexOf("<body>", StringComparison.OrdinalIgnoreCase);
        var end = document.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        if (start < 0 || end < start) throw new InvalidOperationException("The chart's page from Plotly.NET has no <body>.");
        return (start + "<body>".Length, end);
    }

    /// <summary>
    /// Answers the inline fragment's require.js call at once and offline with a stand-in for plotly.js that only keeps
    /// the figure (data, layout, config) it is asked to plot: the export then draws it once, off screen.
    /// </summary>
    private const string RequireShim = """
        <script>
        window.pophealthFigure = null;
        window.requirejs = function () {};
        window.requirejs.config = function () {
          return function (deps, ready) {
            ready({ newPlot: function (id, data, layout, config) { window.pophealthFigure = { data: data, layout: layout, config: config }; } });
          };
        };
        </script>
        """;

    private const string Export = """
        async (body, format, width, height) => {
          const host = document.getElementById('pophealth-host');
          host.innerHTML = body;
          window.pophealthFigure = null;
          try {
            for (const script of host.querySelectorAll('script')) (0, eval)(script.textContent);
            if (!window.pophealthFigure) return null;
            return await Plotly.toImage(window.pophealthFigure, { format: format, width: width, height: height });
          } finally { host.innerHTML = ''; window.pophealthFigure = null; }
        }
        """;

    /// <summary>Each exception's first line, outermost first: "failed to connect" alone does not say why.</summary>
    private static string Reason(Exception e)
    {
        var reasons = new List<string>();
        for (Exception? x = e is AggregateException { InnerException: { } inner } ? inner : e; x is not null && reasons.Count < 4;
            x = x.InnerException) reasons.Add($"{x.GetType().Name}: {x.Message.Split('\n', 2)[0].Trim()}");
        return string.Join(" ← ", reasons);
    }
}
