using System.Collections;
using PopHealth.Workbook;

namespace PopHealth.Tests.Workbook;

[Trait("Category", "Unit")]
public class WorkbookParametersTests
{
    private static WorkbookParameters Read(params (string Key, string Value)[] variables)
    {
        var environment = new Hashtable();
        foreach (var (key, value) in variables) environment[key] = value;
        return WorkbookParameters.FromEnvironment(environment, Repo.Path("notebooks"));
    }

    [Fact]
    public void Defaults_follow_the_contract()
    {
        var p = Read();
        Assert.Empty(p.Inputs);
        Assert.Empty(p.Years);
        Assert.Equal(Repo.Path("data"), p.DataRoot);
        Assert.Equal(Recipe.Improved, p.Recipe);
        Assert.Equal(WorkbookParameters.DefaultSeed, p.Seed);
        Assert.Equal(100_000, p.SampleRows);
        Assert.Equal(10_000, p.SynthRows);
        Assert.Equal(Repo.Path("data", "synthetic", "synthetic.parquet"), p.ScoreInput);
        Assert.All(p.Describe(), row => Assert.Equal("default", row.Source));
    }

    [Fact]
    public void Output_paths_sit_under_the_data_root()
    {
        var p = Read(("POPHEALTH_DATA", "/tmp/ph"));
        Assert.Equal(Path.Combine("/tmp/ph", "interim", "brfss.parquet"), p.InterimBrfss);
        Assert.Equal(Path.Combine("/tmp/ph", "interim", "poverty_thresholds.parquet"), p.InterimPovertyThresholds);
        Assert.Equal(Path.Combine("/tmp/ph", "processed", "features.parquet"), p.ProcessedFeatures);
        Assert.Equal(Path.Combine("/tmp/ph", "mlruns"), p.MlRuns);
        Assert.Equal(Path.Combine("/tmp/ph", "synthetic", "synthetic.parquet"), p.SyntheticRespondents);
        Assert.Equal(Path.Combine("/tmp/ph", "predictions", "predictions.parquet"), p.Predictions);
        Assert.Equal(Path.Combine("/tmp/ph", "rendered"), p.RenderedNotebooks);
    }

    [Fact]
    public void Environment_values_override_defaults_and_relative_paths_resolve_against_the_working_directory()
    {
        var p = Read(("POPHEALTH_INPUT", "x/LLCP2024.XPT"), ("POPHEALTH_YEAR", "2016"), ("POPHEALTH_DATA", "out"),
            ("POPHEALTH_RECIPE", "SEED"), ("POPHEALTH_SEED", "-7"), ("POPHEALTH_SAMPLE_ROWS", "2500"),
            ("POPHEALTH_SYNTH_ROWS", "300"), ("POPHEALTH_SCORE_INPUT", "s.parquet"));
        Assert.Equal([Repo.Path("notebooks", "x", "LLCP2024.XPT")], p.Inputs);
        Assert.Equal([2016], p.Years);
        Assert.Equal(Repo.Path("notebooks", "out"), p.DataRoot);
        Assert.Equal(Recipe.Original, p.Recipe);
        Assert.Equal(-7, p.Seed);
        Assert.Equal(2500, p.SampleRows);
        Assert.Equal(300, p.SynthRows);
        Assert.Equal(Repo.Path("notebooks", "s.parquet"), p.ScoreInput);
        Assert.All(p.Describe(), row => Assert.Equal("environment", row.Source));
    }

    [Theory]
    [InlineData("POPHEALTH_RECIPE", "fancy", "'seed' or 'improved'")]
    [InlineData("POPHEALTH_SEED", "abc", "a whole number")]
    [InlineData("POPHEALTH_SAMPLE_ROWS", "0", "from 1,000 to")]
    [InlineData("POPHEALTH_SAMPLE_ROWS", "999", "from 1,000 to")]
    [InlineData("POPHEALTH_SYNTH_ROWS", "0", "from 1 to")]
    [InlineData("POPHEALTH_YEAR", "16", "from 1,984 to 2,100")]
    public void Bad_values_name_the_variable_and_what_was_expected(string variable, string value, string expected)
    {
        var error = Assert.Throws<WorkbookParameterException>(() => Read((variable, value)));
        Assert.Equal(variable, error.Variable);
        Assert.Contains($"{variable}='{value}'", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Describe_lists_every_contract_variable_once()
    {
        var names = Read().Describe().Select(r => r.Variable).ToArray();
        Assert.Equal(["POPHEALTH_INPUT", "POPHEALTH_YEAR", "POPHEALTH_DATA", "POPHEALTH_RECIPE", "POPHEALTH_SEED",
            "POPHEALTH_SAMPLE_ROWS", "POPHEALTH_SYNTH_ROWS", "POPHEALTH_SCORE_INPUT"], names);
    }

    [Fact]
    public void A_data_root_that_is_a_file_names_the_variable()
    {
        using var temp = Repo.Temp();
        File.WriteAllText(temp.File("not-a-folder"), "x");
        var error = Assert.Throws<WorkbookParameterException>(() => Read(("POPHEALTH_DATA", temp.File("not-a-folder"))));
        Assert.Equal("POPHEALTH_DATA", error.Variable);
        Assert.Contains("a folder", error.Message);
    }

    [Theory]
    [InlineData("survey.txt")]
    [InlineData("LLCP2024")]
    [InlineData("data.parquet")]
    public void An_input_of_a_kind_the_converter_cannot_read_names_the_variable(string input)
    {
        var error = Assert.Throws<WorkbookParameterException>(() => Read(("POPHEALTH_INPUT", input)));
        Assert.Equal("POPHEALTH_INPUT", error.Variable);
        Assert.Contains(".csv.gz", error.Message);
    }

    [Theory]
    [InlineData("a/LLCP2016.xpt")]
    [InlineData("b/brfss.CSV.GZ")]
    [InlineData("c/LLCP2024XPT.zip")]
    public void Every_readable_kind_of_input_is_accepted(string input) => Assert.Single(Read(("POPHEALTH_INPUT", input)).Inputs);

    [Fact]
    public void Several_sources_take_their_years_in_the_same_order()
    {
        var sep = Path.PathSeparator;
        var p = Read(("POPHEALTH_INPUT", $"a/2022.zip{sep}b/2023.zip{sep}c/2024.zip"), ("POPHEALTH_YEAR", $"2022{sep}2023{sep}2024"));
        Assert.Equal([Repo.Path("notebooks", "a", "2022.zip"), Repo.Path("notebooks", "b", "2023.zip"), Repo.Path("notebooks", "c", "2024.zip")],
            p.Inputs);
        Assert.Equal([2022, 2023, 2024], p.Years);
        Assert.Contains($"2022{sep}2023{sep}2024", p.Describe().Single(r => r.Variable == "POPHEALTH_YEAR").Value);
        var error = Assert.Throws<WorkbookParameterException>(() =>
            Read(("POPHEALTH_INPUT", $"a/2022.zip{sep}b/2023.zip"), ("POPHEALTH_YEAR", $"2022{sep}2023{sep}2024")));
        Assert.Equal("POPHEALTH_YEAR", error.Variable);
        Assert.Contains("one survey year per source", error.Message);
    }

    [Theory]
    [InlineData(":", "POPHEALTH_INPUT", "lists none")]
    [InlineData("::", "POPHEALTH_INPUT", "lists none")]
    [InlineData("a/2022.zip:", "POPHEALTH_INPUT", "none of them empty")]
    [InlineData(":b/2023.zip", "POPHEALTH_INPUT", "none of them empty")]
    [InlineData(":", "POPHEALTH_YEAR", "lists none")]
    [InlineData("2022:", "POPHEALTH_YEAR", "none of them empty")]
    public void A_list_with_an_empty_entry_names_the_variable_instead_of_falling_back(string value, string variable, string expected)
    {
        // Issue 24, item 5: POPHEALTH_INPUT=":" ("$A:$B" with both unset) silently meant the embedded synthetic sample.
        var list = value.Replace(':', Path.PathSeparator);
        var error = Assert.Throws<WorkbookParameterException>(() => Read((variable, list)));
        Assert.Equal(variable, error.Variable);
        Assert.Contains(expected, error.Message);
    }
}
