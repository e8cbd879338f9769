using PopHealth.Charts;

namespace PopHealth.Tests.Charts;

/// <summary>Static chart images. These tests set process-wide variables, so they run on their own.</summary>
[Collection("environment")]
[Trait("Category", "Unit")]
public sealed class StaticImagesTests : IDisposable
{
    /// <summary>A test host may be stopped without the exit handlers running: no browser is left behind.</summary>
    public void Dispose() => StaticImages.CloseBrowser();

    private static Chart Sample(string title = "static image test") => Plots.Bar(title, ["a", "b"], [1, 2]);

    private static void With(string? browser, string? embed, Action test)
    {
        var (oldBrowser, oldEmbed) = (Environment.GetEnvironmentVariable(StaticImages.BrowserVariable),
            Environment.GetEnvironmentVariable(StaticImages.EmbedVariable));
        Environment.SetEnvironmentVariable(StaticImages.BrowserVariable, browser);
        Environment.SetEnvironmentVariable(StaticImages.EmbedVariable, embed);
        try { test(); }
        finally
        {
            Environment.SetEnvironmentVariable(StaticImages.BrowserVariable, oldBrowser);
            Environment.SetEnvironmentVariable(StaticImages.EmbedVariable, oldEmbed);
        }
    }

    [Fact]
    public void Without_a_browser_nothing_fails_and_charts_stay_interactive()
    {
        using var temp = Repo.Temp();
        With(temp.File("no-such-browser"), "1", () =>
        {
            Assert.False(StaticImages.Available);
            Assert.Null(Sample().SavePng(temp.File("x.png")));
            Assert.Null(Sample().SaveSvg(temp.File("x.svg")));
            Assert.False(File.Exists(temp.File("x.png")));
            var html = Sample().ToInlineHtml();
            Assert.DoesNotContain("data:image/png", html);
            Assert.Null(StaticImages.InlinePng(html));
            Assert.Contains("newPlot", html);
        });
    }

    [FactWhere(Need.PosixShell)] // the stand-in browser is a shell script
    public void A_browser_that_cannot_be_driven_skips_images_without_failing()
    {
        using var temp = Repo.Temp();
        var fake = Repo.Path("tests", "fixtures", "browser", "fake-chromium.sh");
        With(fake, "1", () =>
        {
            Assert.True(StaticImages.Available);
            Assert.Null(Sample().SavePng(temp.File("x.png")));
            Assert.Null(Sample().SaveSvg(temp.File("x.svg")));
            Assert.False(File.Exists(temp.File("x.png")));
            var html = Sample().ToInlineHtml();
            Assert.DoesNotContain("data:image/png", html);
            Assert.Contains("newPlot", html);
        });
    }

    [FactWhere(Need.Chromium)]
    public void A_real_chromium_draws_every_chart_from_one_browser()
    {
        using var temp = Repo.Temp();
        With(null, "1", () =>
        {
            var before = StaticImages.BrowserLaunches;
            var png = File.ReadAllBytes(Sample().SavePng(temp.File("plots/x.png"))!);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4));
            Assert.True(png.Length > 2000, $"a drawn chart, not an empty page ({png.Length} bytes)");
            var svg = File.ReadAllText(Sample().SaveSvg(temp.File("plots/x.svg"))!);
            Assert.StartsWith("<svg", svg);
            Assert.Contains("static image test", svg);
            for (var i = 0; i < 3; i++) Assert.NotNull(StaticImages.RenderPng(Sample($"chart {i}")));
            Assert.Contains("chart 2", StaticImages.RenderSvg(Sample("chart 2"))!);
            Assert.True(StaticImages.BrowserLaunches - before <= 1, $"{StaticImages.BrowserLaunches - before} browsers started for 6 images");

            var html = Sample().ToInlineHtml();
            Assert.StartsWith("<div class=\"pophealth-static\"><img alt=\"chart\" src=\"data:image/png;base64,iVBOR", html);
            Assert.Contains("newPlot", html); // still interactive where scripts run
            Assert.Equal("iVBOR", StaticImages.InlinePng(html)![..5]);
        });
        With(null, null, () => Assert.DoesNotContain("data:image/png", Sample().ToInlineHtml())); // only when the runner asks
    }

    [FactWhere(Need.Chromium)]
    public void A_shared_browser_serves_another_process_and_stays_running_for_the_next()
    {
        With(null, "1", () =>
        {
            var executable = StaticImages.Browser!;
            // The runner's side: its browser, shared by endpoint, opens the plotly.js page.
            var shared = StaticImages.ShareBrowser()!;
            Assert.StartsWith("http://127.0.0.1:", shared);
            PuppeteerSharp.IBrowser? other = null;
            for (var tries = 0; other is null; tries++) // the browser starts in the background
                try
                {
                    other = PuppeteerSharp.Puppeteer.ConnectAsync(new PuppeteerSharp.ConnectOptions { BrowserURL = shared }).GetAwaiter().GetResult();
                }
                catch (Exception e) when (tries < 120 && e is PuppeteerSharp.ProcessException or HttpRequestException) { Thread.Sleep(250); }
            other.WaitForTargetAsync(t => t.Url.EndsWith("/pophealth-plotly.html", StringComparison.Ordinal)).GetAwaiter().GetResult();
            other.Disconnect();

            // A kernel's side, played by a browser this test starts: given its endpoint, images are drawn there, no browser is launched.
            using var kernelsBrowser = PuppeteerSharp.Puppeteer
                .LaunchAsync(new PuppeteerSharp.LaunchOptions { ExecutablePath = executable, Headless = true, Args = ["--no-sandbox"] })
                .GetAwaiter().GetResult();
            Environment.SetEnvironmentVariable(StaticImages.BrowserVariable, kernelsBrowser.WebSocketEndpoint);
            var launches = StaticImages.BrowserLaunches;
            Assert.Equal("iVBOR", StaticImages.InlinePng(Sample().ToInlineHtml())![..5]);
            Assert.Equal(launches, StaticImages.BrowserLaunches);
            Environment.SetEnvironmentVariable(StaticImages.BrowserVariable, null);
            Assert.NotNull(StaticImages.RenderPng(Sample())); // back to an own browser: the connected one is let go, not closed
            Assert.True(kernelsBrowser.IsConnected);
            Assert.DoesNotContain(kernelsBrowser.Targets(), t => t.Url.EndsWith("/pophealth-plotly.html", StringComparison.Ordinal));
            kernelsBrowser.CloseAsync().GetAwaiter().GetResult();
        });
    }
}

[CollectionDefinition("environment", DisableParallelization = true)]
public sealed class EnvironmentCollection;
