using PopHealth.Ingest;
using PopHealth.Population;
using PopHealth.Population.Dashboard;
using PopHealth.Population.SmallArea;

namespace PopHealth.Steps;

/// <summary>Options for <see cref="ReportStep"/>.</summary>
/// <param name="Direct">The direct estimates' rules (null: CDC's, <see cref="DirectEstimateOptions"/>).</param>
/// <param name="SmallArea">The small-area model's settings (null: its defaults); its seed is always the workbook's <c>POPHEALTH_SEED</c>.</param>
/// <param name="MinModelStates">States a source needs for a small-area model (it borrows strength across them).</param>
/// <param name="ScreenshotWidth">Width in pixels of the dashboard's screenshot saved for readers.</param>
public sealed record ReportOptions(DirectEstimateOptions? Direct = null, SmallAreaOptions? SmallArea = null, int MinModelStates = 5,
    int ScreenshotWidth = 1280)
{
    public DirectEstimateOptions DirectRules => Direct ?? new DirectEstimateOptions();
}

/// <summary>Stage 1, read: the converted respondents, the survey year reported on, and what the source is.</summary>
/// <param name="Table">01-convert's table, the columns the estimates read.</param>
/// <param name="Respondents">The same respondents as the direct estimates read them.</param>
/// <param name="Description">The source in words, for the notebook and the dashboard.</param>
public sealed record ReportSource(BrfssTable Table, RespondentTable Respondents, int Year, string Description)
{
    public bool Synthetic => Table.Synthetic;
}

/// <summary>
/// Stage 3, model: the small-area model fitted on the latest survey year, its estimates as extract rows, and its frame (which
/// Census table and which weights each state's population cells came from); or why no model was fitted.
/// </summary>
public sealed record ModelEstimates(SmallAreaModel? Model, IReadOnlyList<PopulationEstimate> Rows, string Statement, TimeSpan Elapsed)
{
    /// <summary>One row per state of the frame: its source and coverage, as the notebook shows them.</summary>
    public IReadOnlyList<FrameLine> Frame() => Model is null ? [] : Model.Frame.States.Select(s =>
        new FrameLine(UsStates.Find(s.State)?.Abbreviation ?? $"FIPS {s.State}", s.Source.ToString(),
            double.IsFinite(s.Coverage) ? Math.Round(s.Coverage, 3) : null, Math.Round(s.Adults))).ToArray();
}

/// <summary>A state's post-stratification frame: where its cells came from, its coverage, its adults.</summary>
public sealed record FrameLine(string State, string Source, double? Coverage, double Adults);

/// <summary>Stage 5, dashboard: the page, its screenshot for readers (null without a browser), and 06's predictions when it ran.</summary>
public sealed record DashboardFiles(string Page, string? Screenshot, ScoringSummary? Scoring);

/// <summary>Everything 07-report produced.</summary>
public sealed record ReportResult(ReportSource Source, DirectEstimates Direct, ModelEstimates Model, string ExtractParquet, string ExtractCsv,
    DashboardFiles Dashboard)
{
    /// <summary>Every estimate written: direct, then model-based.</summary>
    public IReadOnlyList<PopulationEstimate> Rows => [.. Direct.Rows, .. Model.Rows];
}
