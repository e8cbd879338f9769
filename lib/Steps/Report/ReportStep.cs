using System.Globalization;
using PopHealth.Charts;
using PopHealth.Ingest;
using PopHealth.Population;
using PopHealth.Population.Dashboard;
using PopHealth.Population.SmallArea;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>
/// The report step (07-report), as named stages the notebook shows one cell each: <see cref="ReadAsync"/> (01's respondents),
/// <see cref="Direct"/> (design-based estimates and coverage), <see cref="Model"/> (the small-area model, where the source has
/// weights and states), <see cref="WriteExtractAsync"/> (the BI extract) and <see cref="WriteDashboardAsync"/> (the offline
/// dashboard, with 06's predictions when 06 ran). <see cref="RunAsync"/> runs them in order.
/// </summary>
public static class ReportStep
{
    public static async Task<ReportResult> RunAsync(WorkbookParameters parameters, ReportOptions? options = null, IProgress<string>? progress = null)
    {
        var source = await ReadAsync(parameters);
        progress?.Report(source.Description);
        var direct = Direct(source, options);
        var model = Model(source, parameters, options, progress);
        var (parquet, csv) = await WriteExtractAsync(parameters, direct, model);
        var dashboard = await WriteDashboardAsync(parameters, source, direct, model, options);
        return new ReportResult(source, direct, model, parquet, csv, dashboard);
    }

    /// <summary>Reads 01-convert's table: the columns the estimates need, every respondent.</summary>
    public static async Task<ReportSource> ReadAsync(WorkbookParameters parameters)
    {
        if (!File.Exists(parameters.InterimBrfss))
            throw new FileNotFoundException($"{parameters.InterimBrfss} does not exist: run 01-convert first (07-report reads its respondents).",
                parameters.InterimBrfss);
        var table = await BrfssTable.ReadAsync(parameters.InterimBrfss, RespondentTable.InterimColumns);
        var respondents = RespondentTable.FromInterim(table);
        var years = respondents.Year.Distinct().Order().ToArray();
        var description = string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(table.Source)} ({table.Profile.Name}{(table.Synthetic ? ", SYNTHETIC: the workbook's embedded sample" : "")}): " +
            $"{respondents.Rows:N0} respondents, survey year{(years.Length > 1 ? "s " + string.Join(", ", years) : " " + years[0])}");
        return new ReportSource(table, respondents, years[^1], description);
    }

    /// <summary>Design-based estimates of every year, geography and group, with coverage and suppression (<see cref="DirectEstimator"/>).</summary>
    public static DirectEstimates Direct(ReportSource source, ReportOptions? options = null) =>
        DirectEstimator.Estimate(source.Respondents, (options ?? new ReportOptions()).DirectRules);

    /// <summary>
    /// The small-area model on the latest survey year (<see cref="SmallAreaModel"/>): fitted where the source has survey weights
    /// and at least <see cref="ReportOptions.MinModelStates"/> states; otherwise no model, and the statement says what is missing.
    /// The seed is the workbook's; the Census tables are the direct estimates' (<see cref="DirectEstimateOptions.CensusTables"/>).
    /// </summary>
    public static ModelEstimates Model(ReportSource source, WorkbookParameters parameters, ReportOptions? options = null,
        IProgress<string>? progress = null)
    {
        options ??= new ReportOptions();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (WhyNoModel(source, options) is { } reason) return new ModelEstimates(null, [], reason, TimeSpan.Zero);
        var table = LatestYear(source);
        var scheme = CellScheme.For(table.Profile);
        var respondents = SmallAreaRespondents.FromBrfss(table, scheme);
        var frame = PostStratificationFrame.Build(scheme, respondents, options.DirectRules.CensusTables, source.Year);
        var settings = (options.SmallArea ?? new SmallAreaOptions()) with { Seed = parameters.Seed };
        var model = SmallAreaModel.Fit(respondents, frame, settings, progress);
        progress?.Report("post-stratifying every state and state x group");
        var rows = model.ExtractRows(source.Year, partialCoverageBelow: options.DirectRules.PartialCoverageBelow);
        var statement = string.Create(CultureInfo.InvariantCulture,
            $"Small-area estimates for {source.Year}: a multilevel model of {model.Summary.Respondents:N0} respondents, " +
            $"post-stratified onto {frame.States.Count} states' population cells; {rows.Count:N0} estimates.");
        return new ModelEstimates(model, rows, statement, watch.Elapsed);
    }

    private static string? WhyNoModel(ReportSource source, ReportOptions options)
    {
        var r = source.Respondents;
        if (r.Weight is null)
            return "No small-area estimates: this source has no survey weights (_LLCPWT), which the population frame is built from. " +
                "Direct estimates are unweighted.";
        if (r.State is null) return "No small-area estimates: this source has no state (_STATE), so there is nothing to borrow strength across.";
        var states = r.State.Where((s, i) => s is not null && r.Year[i] == source.Year).Select(UsStates.Find).OfType<UsState>().Distinct().Count();
        return states < options.MinModelStates
            ? $"No small-area estimates: {states} state(s) in {source.Year}, fewer than the {options.MinModelStates} a model borrows strength across."
            : null;
    }

    /// <summary>The table's rows of the latest survey year (all of them for a single year).</summary>
    private static BrfssTable LatestYear(ReportSource source)
    {
        if (source.Respondents.Year.All(y => y == source.Year)) return source.Table;
        var keep = new Microsoft.Data.Analysis.PrimitiveDataFrameColumn<bool>("keep", source.Respondents.Year.Select(y => y == source.Year));
        return source.Table with { Frame = source.Table.Frame.Filter(keep) };
    }

    /// <summary>Writes the BI extract (<see cref="PopulationExtract"/>): direct and model rows, Parquet with page checksums and CSV.</summary>
    public static Task<(string Parquet, string Csv)> WriteExtractAsync(WorkbookParameters parameters, DirectEstimates direct, ModelEstimates model)
    {
        var metadata = new Dictionary<string, string>(direct.Metadata()) { [DirectEstimates.MetadataPrefix + "model"] = model.Statement };
        if (model.Model is { } fitted) metadata[DirectEstimates.MetadataPrefix + "model_version"] = fitted.Version;
        return PopulationExtract.WriteAsync(parameters.ReportDirectory, [.. direct.Rows, .. model.Rows], metadata);
    }

    /// <summary>
    /// Writes the offline dashboard (<see cref="PopulationDashboard"/>) with 06's predictions when 06 ran, and a screenshot of it
    /// into the plots folder where a headless browser is installed.
    /// </summary>
    public static async Task<DashboardFiles> WriteDashboardAsync(WorkbookParameters parameters, ReportSource source, DirectEstimates direct,
        ModelEstimates model, ReportOptions? options = null)
    {
        options ??= new ReportOptions();
        var scoring = await ReportScoring.SummaryAsync(parameters);
        var notes = direct.Statements.Append(model.Statement).ToArray();
        PopulationEstimate[] rows = [.. direct.Rows, .. model.Rows];
        var page = PopulationDashboard.Write(parameters.ReportDirectory,
            new DashboardContent(rows, source.Description, source.Synthetic, notes, scoring));
        var screenshot = StaticImages.SavePageScreenshot(page, Path.Combine(parameters.PlotsDirectory, ReaderImages[0]), options.ScreenshotWidth);
        SaveCharts(parameters, rows, source.Synthetic);
        return new DashboardFiles(page, screenshot, scoring);
    }

    /// <summary>
    /// The images 07 keeps for readers in the plots folder (where a headless browser draws them): the dashboard, the
    /// maps, the comparison.
    /// </summary>
    public static IReadOnlyList<string> ReaderImages { get; } = ["dashboard.png", "state-map-model.png", "state-map-direct.png",
        "model-vs-direct.png"];

    private static void SaveCharts(WorkbookParameters parameters, IReadOnlyList<PopulationEstimate> rows, bool synthetic)
    {
        string Image(int index) => Path.Combine(parameters.PlotsDirectory, ReaderImages[index]);
        foreach (var stale in new[] { 1, 2, 3 }) File.Delete(Image(stale)); // never leave another source's state pictures beside this one's
        var maps = ReportCharts.StateMaps(rows, synthetic);
        if (maps.Count == 0) return; // no state for the respondents: nothing to map
        if (maps.Count == 2) maps[0].SavePng(Image(1));
        maps[^1].SavePng(Image(2));
        ReportCharts.ModelAgainstDirect(ReportCharts.States(rows), synthetic).SavePng(Image(3));
    }
}
