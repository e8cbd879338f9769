using PopHealth.Population;
using PopHealth.Steps;
using PopHealth.Tests.Ingest;
using PopHealth.Workbook;

namespace PopHealth.Tests.Population;

/// <summary>07-report's step on generated and real sources: what each source supports, the files, determinism.</summary>
[Trait("Category", "Integration")]
public class ReportStepTests
{
    private static WorkbookParameters Parameters(TempFolder temp, string? input = null, string? year = null, int sampleRows = 4000) =>
        WorkbookParameters.FromEnvironment(new System.Collections.Hashtable
        {
            [WorkbookVariables.Data] = temp.File("data"), [WorkbookVariables.Input] = input, [WorkbookVariables.Year] = year,
            [WorkbookVariables.SampleRows] = sampleRows.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, temp.Path);

    [Fact]
    public async Task The_embedded_sample_gets_direct_and_model_estimates_an_extract_and_a_dashboard_said_to_be_synthetic()
    {
        using var temp = Repo.Temp();
        var parameters = Parameters(temp);
        await ConvertStep.RunAsync(parameters);
        var result = await ReportStep.RunAsync(parameters);

        Assert.True(result.Source.Synthetic);
        Assert.False(result.Direct.CoverageKnown); // the sample's year, 2024, has no shipped Census table
        Assert.NotNull(result.Model.Model);
        var states = result.Model.Rows.Where(r => r.GeoLevel == PopulationEstimate.StateLevel && r.GroupDim == PopulationEstimate.AllGroups)
            .ToArray();
        Assert.True(states.Length >= 50, $"{states.Length} states with a model estimate");
        Assert.All(states, s => Assert.InRange(s.Value!.Value, s.CiLow!.Value, s.CiHigh!.Value));
        var extract = await PopulationExtract.ReadAsync(result.ExtractParquet);
        Assert.Equal(result.Rows.Count, extract.Count);
        Assert.Equal(result.Rows.Count, PopulationExtract.ReadCsv(result.ExtractCsv).Count);
        var page = File.ReadAllText(result.Dashboard.Page);
        Assert.Contains("Synthetic data.", page);
        Assert.Null(result.Dashboard.Scoring); // 06 has not run on this data root
        Assert.DoesNotContain("id=\"scoring\"", page);

        // The same seed gives the same model estimates.
        var again = ReportStep.Model(result.Source, parameters);
        Assert.Equal(result.Model.Rows.Select(r => r.Value), again.Rows.Select(r => r.Value));
    }

    [Fact]
    public async Task A_source_without_weights_or_states_gets_unweighted_direct_estimates_and_says_why_there_is_no_model()
    {
        using var temp = Repo.Temp();
        var parameters = Parameters(temp, NationalSlice.Write(temp.File("in/national.csv"), 2022, 3000), "2022");
        await ConvertStep.RunAsync(parameters);
        var result = await ReportStep.RunAsync(parameters);

        Assert.Null(result.Model.Model);
        Assert.Empty(result.Model.Rows);
        Assert.Contains("no survey weights", result.Model.Statement);
        Assert.All(result.Direct.Rows, r => Assert.Equal(PopulationEstimate.AllLevel, r.GeoLevel));
        Assert.All(result.Direct.Rows, r => Assert.Null(r.Population)); // unweighted
        Assert.Empty(ReportCharts.StateMaps(result.Direct.Rows)); // no state to map, and no map from an earlier source left beside it
        Assert.All(ReportStep.ReaderImages.Skip(1), image => Assert.False(File.Exists(Path.Combine(parameters.PlotsDirectory, image)), image));
        Assert.Empty(ReportCharts.ModelAgainstDirect(ReportCharts.States(result.Direct.Rows)).Traces.SelectMany(t => t!["y"]!.AsArray()));
        var page = File.ReadAllText(result.Dashboard.Page);
        Assert.Contains("This source has no state for its respondents", page);
        Assert.Contains("no survey weights", page);
        Assert.Contains("no survey weights",
            (await PopHealth.Ingest.BrfssConverter.ReadMetadataAsync(result.ExtractParquet))[DirectEstimates.MetadataPrefix + "model"]);
    }

    [Fact]
    public async Task Without_01s_table_the_step_names_the_file_and_the_notebook_to_run()
    {
        using var temp = Repo.Temp();
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => ReportStep.ReadAsync(Parameters(temp)));
        Assert.Contains("run 01-convert first", error.Message);
        Assert.False(Directory.Exists(temp.File("data/report")));
    }
}

/// <summary>07-report's step on the whole real 2016 extract: every state gets a model estimate, partial states flagged.</summary>
[Trait("Category", "RealData")]
public class RealReportStepTests
{
    [Fact]
    public async Task Every_state_of_2016_gets_a_model_estimate_and_partial_states_keep_their_flag()
    {
        using var temp = Repo.Temp();
        var parameters = WorkbookParameters.FromEnvironment(new System.Collections.Hashtable
        {
            [WorkbookVariables.Data] = temp.File("data"), [WorkbookVariables.Input] = RealData.Extract("brfss2016_llcp_statesubset_39vars.csv.gz"),
        }, temp.Path);
        await ConvertStep.RunAsync(parameters);
        var source = await ReportStep.ReadAsync(parameters);
        Assert.True(ReportStep.Direct(source).CoverageKnown);
        var model = ReportStep.Model(source, parameters,
            new ReportOptions(SmallArea: new PopHealth.Population.SmallArea.SmallAreaOptions(Draws: 200, VarianceProposals: 50)));
        var states = model.Rows.Where(r => r.GeoLevel == PopulationEstimate.StateLevel && r.GroupDim == PopulationEstimate.AllGroups)
            .ToDictionary(r => r.GeoAbbr!);
        Assert.Equal(54, states.Count);
        Assert.True(states["MD"].Partial); // 2.6 % of Maryland's adults: its model estimate stands, its direct one is not the state's
        Assert.False(states["MO"].Partial);
        var lines = ReportCharts.States([.. ReportStep.Direct(source).Rows, .. model.Rows]);
        Assert.Contains(lines, l => l.State == "Maryland*" && l.Note.Contains("partial sample", StringComparison.Ordinal));
    }
}
