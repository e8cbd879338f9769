using System.Text.Json;
using System.Text.RegularExpressions;
using PopHealth.Population;
using PopHealth.Population.Dashboard;
using PuppeteerSharp;

namespace PopHealth.Tests.Population;

/// <summary>Hand-made estimates for the dashboard: three states (one partial, one with a suppressed group) and the whole source.</summary>
internal static class DashboardRows
{
    private static PopulationEstimate Row(string? fips, string? abbr, string method, double? value, string dim = "all", string group = "all",
        bool partial = false, double coverage = 1.0, long n = 800, string? suppressed = null) =>
        new(2016, fips is null ? PopulationEstimate.AllLevel : PopulationEstimate.StateLevel, fips, abbr, dim, group,
            PopulationEstimate.FairPoorHealth, method, suppressed is null ? value : null, suppressed is null ? value - 1.5 : null,
            suppressed is null ? value + 1.75 : null, suppressed is null ? 0.8 : null, n, 1_000_000, suppressed is not null, suppressed,
            method == PopulationEstimate.Direct ? coverage : null, method == PopulationEstimate.Direct ? partial : null,
            method == PopulationEstimate.Model ? "test-model 1" : null);

    public static IReadOnlyList<PopulationEstimate> Rows { get; } =
    [
        Row(null, null, PopulationEstimate.Direct, 18.25, coverage: 0.8, partial: true, n: 2400), Row(null, null, PopulationEstimate.Model, 18.5),
        Row("29", "MO", PopulationEstimate.Direct, 19.375), Row("29", "MO", PopulationEstimate.Model, 19.0625),
        Row("29", "MO", PopulationEstimate.Direct, 30.5, "age", "65+"), Row("29", "MO", PopulationEstimate.Model, 29.75, "age", "65+"),
        Row("29", "MO", PopulationEstimate.Direct, null, "age", "18-24", n: 31, suppressed: "fewer than 50 respondents (n = 31)"),
        Row("29", "MO", PopulationEstimate.Model, 9.5, "age", "18-24"),
        Row("24", "MD", PopulationEstimate.Direct, 12.125, partial: true, coverage: 0.026, n: 255), Row("24", "MD", PopulationEstimate.Model, 13.875),
        Row("06", "CA", PopulationEstimate.Direct, 17.5), Row("06", "CA", PopulationEstimate.Model, 17.8125),
    ];
}

[Trait("Category", "Unit")]
public class PopulationDashboardTests
{
    private static string Page(bool synthetic = false, ScoringSummary? scoring = null, IReadOnlyList<PopulationEstimate>? rows = null) =>
        PopulationDashboard.Build(new DashboardContent(rows ?? DashboardRows.Rows, "test rows", synthetic, ["a statement the reader needs"],
            scoring));

    [Fact]
    public void The_page_is_one_file_that_may_fetch_nothing()
    {
        var html = Page();
        Assert.Contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline';", html);
        Assert.DoesNotMatch(new Regex("<script[^>]+src=", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex("<link[^>]+href=", RegexOptions.IgnoreCase), html);
        Assert.Contains("Plotly", html); // plotly.js itself is inlined
        Assert.Contains("MIT", html[..html.IndexOf("<script>", StringComparison.Ordinal)]); // with its licence notice
    }

    [Fact]
    public void The_table_and_state_lines_carry_intervals_and_the_partial_flag_in_words()
    {
        var html = Page();
        Assert.Contains("<td>Missouri</td><td class=\"num\">19.1 (17.6–20.8)</td><td class=\"num\">19.4 (17.9–21.1)</td>", html);
        var maryland = System.Net.WebUtility.HtmlDecode(Regex.Match(html, "<tr class=\"partial\"><td>Maryland</td>.*?</tr>").Value);
        Assert.Contains("12.1 (10.6–13.9) <span class=\"flag\">partial</span>", maryland);
        Assert.Contains("2.6 %", maryland);
        Assert.Contains("not the state's figure", maryland);
        var line = System.Net.WebUtility.HtmlDecode(Regex.Match(html, "<span id=\"state-line-24\"[^>]*>.*?</span>\n").Value);
        Assert.Contains("Partial: the weights cover 2.6 % of the state's adults", line);
        Assert.Contains("data-model=\"13.875\"", line);
        // The first state, shown without scripts.
        Assert.Contains("<p id=\"state-value\" data-fips=\"06\"><strong>California</strong>: model-based", html);
    }

    [Fact]
    public void The_embedded_data_holds_every_estimate_of_the_year_for_the_script()
    {
        var html = Page();
        var json = Regex.Match(html, "<script type=\"application/json\" id=\"pophealth-data\">(.*?)</script>", RegexOptions.Singleline).Groups[1]
            .Value;
        using var data = JsonDocument.Parse(json);
        Assert.Equal(DashboardRows.Rows.Count, data.RootElement.GetProperty("estimates").GetArrayLength());
        Assert.Equal(["US", "06", "24", "29"],
            data.RootElement.GetProperty("states").EnumerateArray().Select(s => s.GetProperty("fips").GetString()));
        Assert.Equal("age", data.RootElement.GetProperty("dimensions")[0].GetProperty("name").GetString());
        var suppressed = data.RootElement.GetProperty("estimates").EnumerateArray()
            .Single(e => e.GetProperty("v").GetString() == "18-24" && e.GetProperty("m").GetString() == "direct");
        Assert.Equal(JsonValueKind.Null, suppressed.GetProperty("x").ValueKind);
        Assert.Contains("fewer than 50", suppressed.GetProperty("r").GetString());
    }

    [Fact]
    public void Synthetic_data_no_states_and_scoring_are_said_so()
    {
        Assert.Contains("<strong>Synthetic data.</strong>", Page(synthetic: true));
        Assert.DoesNotContain("Synthetic data.", Page());
        var nation = Page(rows: DashboardRows.Rows.Where(r => r.GeoLevel == PopulationEstimate.AllLevel).ToArray());
        Assert.Contains("This source has no state for its respondents", nation);
        Assert.DoesNotContain("id=\"map-model\"", nation);
        Assert.DoesNotContain("id=\"scoring\"", Page());
        var scoring = new ScoringSummary("models:/pophealth-rfhlth/3", "synthetic.parquet", 1000, 0.191, [new("low", 600), new("high", 400)],
            [("test AUC", "0.801")]);
        var withScoring = Page(scoring: scoring);
        Assert.Contains("1,000 respondents of synthetic.parquet scored by models:/pophealth-rfhlth/3; mean predicted risk 19.1 %.", withScoring);
        Assert.Contains("<tr><td>high</td><td class=\"num\">400</td><td class=\"num\">40.0 %</td></tr>", withScoring);
        Assert.Contains("<tr><td>test AUC</td><td>0.801</td></tr>", withScoring);
        Assert.Throws<ArgumentException>(() => Page(rows: []));
    }

    [Fact]
    public void Writing_replaces_the_page_whole()
    {
        using var temp = Repo.Temp();
        var path = PopulationDashboard.Write(temp.File("report"), new DashboardContent(DashboardRows.Rows, "test rows", false, []));
        Assert.Equal(temp.File(Path.Combine("report", PopulationDashboard.FileName)), path);
        Assert.EndsWith("</html>\n", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(temp.File("report"))); // no temporary file left
    }
}

/// <summary>
/// The dashboard in a real browser, as a health department opens it: Chromium (driven here through PuppeteerSharp) loads the
/// written page from file:// with every request that would leave the machine refused, logs no error, and shows for a chosen
/// state exactly the value the extract holds.
/// </summary>
[Trait("Category", "Unit")]
public class PopulationDashboardBrowserTests
{
    [FactWhere(Need.Chromium)]
    public async Task The_page_opens_offline_without_errors_and_shows_the_extracts_value_for_a_chosen_state()
    {
        using var temp = Repo.Temp();
        var (parquet, _) = await PopulationExtract.WriteAsync(temp.File("report"), DashboardRows.Rows);
        var extract = await PopulationExtract.ReadAsync(parquet);
        var page = PopulationDashboard.Write(temp.File("report"), new DashboardContent(extract, "test rows", false, []));

        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = PopHealth.Charts.StaticImages.Browser, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
        var tab = await browser.NewPageAsync();
        var problems = new List<string>();
        var offsite = new List<string>();
        tab.Console += (_, e) => { if (e.Message.Type is ConsoleType.Error or ConsoleType.Warning)
            problems.Add($"{e.Message.Type}: {e.Message.Text}"); };
        tab.PageError += (_, e) => problems.Add("page error: " + e.Message);
        await tab.SetRequestInterceptionAsync(true);
        tab.Request += async (_, e) =>
        {
            if (e.Request.Url.StartsWith("file:", StringComparison.Ordinal) || e.Request.Url.StartsWith("data:", StringComparison.Ordinal))
                await e.Request.ContinueAsync();
            else { offsite.Add(e.Request.Url); await e.Request.AbortAsync(); }
        };
        await tab.GoToAsync(new Uri(page).AbsoluteUri, WaitUntilNavigation.Load);
        await tab.WaitForSelectorAsync("#map-model .main-svg"); // the maps were drawn
        await tab.SelectAsync("#state", "29");
        var text = await tab.EvaluateExpressionAsync<string>("document.getElementById('state-value').innerText");
        var model = await tab.EvaluateExpressionAsync<string>("document.getElementById('state-value').dataset.model");
        await tab.SelectAsync("#state", "24");
        var maryland = await tab.EvaluateExpressionAsync<string>("document.getElementById('state-value').innerText");
        var bars = await tab.EvaluateExpressionAsync<int>("document.querySelectorAll('#groups .bars .point').length");

        Assert.Empty(problems);
        Assert.Empty(offsite);
        var missouri = extract.Single(e => e.GeoFips == "29" && e.GroupDim == "all" && e.Method == PopulationEstimate.Model);
        Assert.Equal(missouri.Value!.Value, double.Parse(model, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains($"model-based {missouri.Value:0.0} %", text);
        Assert.Contains("Partial: the weights cover 2.6 %", maryland);
        Assert.True(bars > 0, "the group chart for the chosen state was drawn");
        Assert.NotNull(PopHealth.Charts.StaticImages.SavePageScreenshot(page, temp.File("shot.png")));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(temp.File("shot.png")).Take(4));
    }
}
