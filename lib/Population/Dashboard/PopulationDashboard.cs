using System.Globalization;
using System.Net;
using System.Text;
using PopHealth.Charts;
using PopHealth.Workbook;

namespace PopHealth.Population.Dashboard;

/// <summary>Respondents in one risk tier of 06's predictions.</summary>
public sealed record RiskTierCount(string Tier, long Respondents);

/// <summary>What 06 scored, for the dashboard's last section: the model, its risk tiers and its card's headline figures.</summary>
/// <param name="Model">The model that scored (name, version, alias).</param>
/// <param name="ScoredFile">What was scored (a path shown as the user gave it, or a label).</param>
/// <param name="PredictedPrevalence">Mean predicted probability, 0-1.</param>
/// <param name="Card">The model card's headline figures (name, value as text).</param>
public sealed record ScoringSummary(string Model, string ScoredFile, long Rows, double PredictedPrevalence, IReadOnlyList<RiskTierCount> Tiers,
    IReadOnlyList<(string Name, string Value)> Card);

/// <summary>What the dashboard shows.</summary>
/// <param name="Estimates">The extract's rows (direct and model-based); the latest year's are shown.</param>
/// <param name="Source">The source in words (e.g. "BRFSS 2016 state subset, real CDC data").</param>
/// <param name="Synthetic">True for the embedded synthetic sample: the page says so at the top.</param>
/// <param name="Notes">Statements the reader needs (what the source lacks, how estimates were made).</param>
/// <param name="Scoring">06's predictions when 06 ran, else null.</param>
public sealed record DashboardContent(IReadOnlyList<PopulationEstimate> Estimates, string Source, bool Synthetic, IReadOnlyList<string> Notes,
    ScoringSummary? Scoring = null);

/// <summary>
/// The offline dashboard (<c>report/dashboard.html</c>): one self-contained HTML file that a health department can open from
/// a shared drive with no server and no network. plotly.js, the styles, the drawing script and the estimates are inlined, and
/// a Content-Security-Policy forbids every fetch. It shows the state tile map of the model-based estimates beside the direct
/// ones, one state's estimates by group (a picker), every state ranked with intervals, a plain table with intervals and flags
/// that reads without scripts, and 06's risk tiers and model card when 06 ran. A partial state's direct estimate is drawn
/// faded with a red outline and an asterisk on the maps, a cross in the ranking, and the flag in words in the table and the
/// state line.
/// </summary>
public static class PopulationDashboard
{
    public const string FileName = "dashboard.html";

    /// <summary>Writes the dashboard atomically into <paramref name="reportFolder"/>; returns its full path.</summary>
    public static string Write(string reportFolder, DashboardContent content)
    {
        var path = Path.GetFullPath(Path.Combine(reportFolder, FileName));
        Directory.CreateDirectory(reportFolder);
        AtomicFile.WriteAllText(path, Build(content));
        return path;
    }

    /// <summary>The dashboard's HTML.</summary>
    public static string Build(DashboardContent content)
    {
        if (content.Estimates.Count == 0) throw new ArgumentException("The dashboard needs at least one estimate.", nameof(content));
        var view = DashboardView.Of(content);
        var html = new StringBuilder(4_000_000);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            // Nothing may be fetched: scripts and styles are inline, images data URLs.
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; ")
            .Append("style-src 'unsafe-inline'; img-src data: blob:; font-src data:\">\n")
            .Append("<title>").Append(Encode(view.Title)).Append("</title>\n<style>\n").Append(Resource("dashboard.css")).Append("</style>\n")
            .Append("<!-- plotly.js (MIT licence, Plotly Technologies Inc.):\n")
            .Append(PlotlyHost.PlotlyJs(licence: true).Replace("--", "- -", StringComparison.Ordinal))
            .Append("\n-->\n<script>").Append(PlotlyHost.PlotlyJs()).Append("</script>\n</head>\n<body>\n");
        DashboardSections.Header(html, view, content);
        DashboardSections.Maps(html, view);
        DashboardSections.StatePicker(html, view);
        DashboardSections.Ranking(html, view);
        DashboardSections.Table(html, view);
        if (content.Scoring is { } scoring) DashboardSections.Scoring(html, scoring);
        DashboardSections.Footer(html, view);
        html.Append("<script type=\"application/json\" id=\"pophealth-data\">").Append(view.Json()).Append("</script>\n")
            .Append("<script>\n").Append(Resource("dashboard.js")).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    internal static string Encode(string text) => WebUtility.HtmlEncode(text);

    internal static string Percent(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "–";

    private static string Resource(string name)
    {
        using var stream = typeof(PopulationDashboard).Assembly.GetManifestResourceStream("PopHealth.Population.Dashboard." + name)
            ?? throw new InvalidOperationException($"The dashboard's {name} is not embedded in the library (build lib/).");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
