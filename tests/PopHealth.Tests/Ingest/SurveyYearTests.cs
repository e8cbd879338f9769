using System.Collections;
using PopHealth.Ingest;
using PopHealth.Steps;
using PopHealth.Workbook;

namespace PopHealth.Tests.Ingest;

/// <summary>
/// The survey year comes from POPHEALTH_YEAR or from the file itself (a non-empty YEAR, or IYEAR), never from the
/// variables' names; and a refused conversion leaves every earlier output as it was.
/// </summary>
[Trait("Category", "Unit")]
public class SurveyYearTests
{
    internal static WorkbookParameters Parameters(TempFolder temp, string input, string? year = null)
    {
        var environment = new Hashtable { ["POPHEALTH_DATA"] = temp.File("data"), ["POPHEALTH_INPUT"] = input };
        if (year is not null) environment["POPHEALTH_YEAR"] = year;
        return WorkbookParameters.FromEnvironment(environment, temp.Path);
    }

    /// <summary>The 2022 extract's rows with INCOME recoded to the 5 levels CDC's grouped income item had before 2021 (5 = $50k+).</summary>
    private static string FiveLevelIncome(TempFolder temp) =>
        NationalSlice.Write(temp.File("grouped-5-levels.csv"), 2022, 3000, (header, fields, _) =>
    {
        if (NationalSlice.Get(header, fields, "INCOME") is "6.0" or "7.0") NationalSlice.Set(header, fields, "INCOME", "5.0");
    });

    [Fact]
    public async Task A_grouped_extract_that_states_no_year_is_refused_rather_than_taken_as_2024()
    {
        // Issue 24, item 1: an older grouped extract (YEAR empty, income in 5 levels) converted silently as LLCP2024-grouped.
        using var temp = Repo.Temp();
        var parameters = Parameters(temp, FiveLevelIncome(temp));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ConvertStep.RunAsync(parameters));
        Assert.StartsWith("grouped-5-levels.csv: the file does not state its survey year", error.Message);
        Assert.Contains("its YEAR column is empty", error.Message);
        Assert.Contains("Set POPHEALTH_YEAR to the survey year of grouped-5-levels.csv (the workbook has profiles for 2016, 2022, 2023, 2024)",
            error.Message);
        Assert.DoesNotContain("unset", error.Message);
        Assert.False(File.Exists(parameters.InterimBrfss));
        Assert.False(File.Exists(parameters.InterimPovertyThresholds));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(parameters.InterimBrfss)!)); // no temporary file left either
    }

    [Theory]
    [InlineData("2015")]
    [InlineData("2019")]
    [InlineData("2021")]
    public async Task A_year_without_a_profile_is_refused_without_pointing_to_a_silent_default(string year)
    {
        using var temp = Repo.Temp();
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ConvertStep.RunAsync(Parameters(temp, FiveLevelIncome(temp), year)));
        Assert.StartsWith($"POPHEALTH_YEAR={year}: no profile for that year (known: 2016, 2022, 2023, 2024)", error.Message);
        Assert.DoesNotContain("unset", error.Message);
        Assert.DoesNotContain("detect", error.Message);
    }

    [Fact]
    public async Task A_year_the_file_states_in_its_year_column_chooses_the_profile()
    {
        using var temp = Repo.Temp();
        var csv = NationalSlice.Write(temp.File("grouped-2022.csv"), 2022, 2000,
            (header, fields, _) => NationalSlice.Set(header, fields, "YEAR", "2022"));
        var step = await ConvertStep.RunAsync(Parameters(temp, csv));
        Assert.Equal("LLCP2022-grouped", step.Report.Profile.Name);
        Assert.Equal(2022, step.Thresholds.Year);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ConvertStep.RunAsync(Parameters(temp, csv, "2024")));
        Assert.Equal("POPHEALTH_YEAR=2024, but grouped-2022.csv states survey year 2022 in its YEAR column. Set POPHEALTH_YEAR to 2022, " +
            "or point POPHEALTH_INPUT at the 2024 file.", error.Message);

        var older = NationalSlice.Write(temp.File("grouped-2019.csv"), 2022, 200,
            (header, fields, _) => NationalSlice.Set(header, fields, "YEAR", "2019"));
        error = await Assert.ThrowsAsync<InvalidDataException>(() => ConvertStep.RunAsync(Parameters(temp, older)));
        Assert.Equal("grouped-2019.csv states survey year 2019, but the workbook has profiles for files like it only for 2022, 2023, 2024: " +
            "it does not know 2019's codes for them. Convert a file of one of those years.", error.Message);
    }

    /// <summary>A CSV with the 2024 file's marker variables and the given interview years (IYEAR), in that order.</summary>
    private static string Llcp(TempFolder temp, string name, params int[] interviewYears)
    {
        var lines = interviewYears.Select((y, i) => $"{1 + i % 2},{3 + i % 5},{1 + i % 2},2,2,{y}");
        File.WriteAllText(temp.File(name), "_RFHLTH,INCOME3,DRNKANY6,CHCSCNC1,CHCKDNY2,IYEAR\n" + string.Join("\n", lines) + "\n");
        return temp.File(name);
    }

    [Fact]
    public async Task Interview_years_tell_the_survey_year_when_they_are_one_year_and_its_carry_over()
    {
        using var temp = Repo.Temp();
        // 2023's and 2024's files name their variables alike: only the interviews tell them apart.
        var report = await BrfssConverter.ConvertAsync(Llcp(temp, "llcp2023.csv", 2023, 2023, 2023, 2024), temp.File("a.parquet"));
        Assert.Equal("LLCP2023", report.Profile.Name);
        report = await BrfssConverter.ConvertAsync(Llcp(temp, "llcp2024.csv", 2024, 2024), temp.File("b.parquet"));
        Assert.Equal("LLCP2024", report.Profile.Name);
        Assert.Equal("2024", (await BrfssConverter.ReadMetadataAsync(temp.File("b.parquet")))["pophealth.year"]);
    }

    [Fact]
    public async Task Interview_years_of_several_surveys_or_against_the_year_given_are_refused()
    {
        using var temp = Repo.Temp();
        // Two survey years pooled in one file (as the Missouri extract is): 2023's interviews run into 2024, 2024's into 2025.
        var pooled = Llcp(temp, "pooled.csv", 2023, 2023, 2023, 2024, 2024, 2024, 2025);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => BrfssConverter.ConvertAsync(pooled, temp.File("a.parquet")));
        Assert.Equal("pooled.csv: its interview years (IYEAR: 2023 × 3, 2024 × 3, 2025 × 1) do not tell one survey year " +
            "(year Y's survey interviews in Y and early Y+1). Set POPHEALTH_YEAR to the survey year of pooled.csv " +
            "(the workbook has profiles for 2016, 2022, 2023, 2024).", error.Message);
        // More carry-over interviews than the year's own: not one survey year's file either.
        await Assert.ThrowsAsync<InvalidDataException>(() =>
            BrfssConverter.ConvertAsync(Llcp(temp, "late.csv", 2023, 2024, 2024), temp.File("a.parquet")));
        Assert.Equal("LLCP2023",
            (await BrfssConverter.ConvertAsync(temp.File("late.csv"), temp.File("a.parquet"), new ConversionOptions(Year: 2023))).Profile.Name);

        var against = await Assert.ThrowsAsync<InvalidDataException>(() =>
            BrfssConverter.ConvertAsync(Llcp(temp, "llcp2024.csv", 2024, 2025), temp.File("b.parquet"), new ConversionOptions(Year: 2023)));
        Assert.StartsWith("POPHEALTH_YEAR=2023, but llcp2024.csv's interviews (IYEAR: 2024 × 1, 2025 × 1) are not those of survey year 2023",
            against.Message);
        Assert.False(File.Exists(temp.File("b.parquet")));
    }

    [Fact]
    public async Task A_year_column_that_holds_no_years_is_named()
    {
        using var temp = Repo.Temp();
        var csv = Llcp(temp, "odd.csv", 2024, 2024);
        File.WriteAllText(csv, File.ReadAllText(csv).Replace(",2024\n", ",24\n"));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => BrfssConverter.ConvertAsync(csv, temp.File("a.parquet")));
        Assert.Equal("odd.csv: its IYEAR column holds '24', which is not a year (1984-2100); correct the column, or remove it.", error.Message);
    }

    [Fact]
    public async Task The_embedded_sample_states_its_year()
    {
        using var temp = Repo.Temp();
        var parameters = WorkbookParameters.FromEnvironment(new Hashtable { ["POPHEALTH_DATA"] = temp.Path, ["POPHEALTH_SAMPLE_ROWS"] = "1000" },
            temp.Path);
        var step = await ConvertStep.RunAsync(parameters);
        Assert.Equal("LLCP2024", step.Report.Profile.Name);
        Assert.True(step.Report.Synthetic);
    }

    private static Dictionary<string, byte[]> Outputs(WorkbookParameters p) =>
        new[] { p.InterimBrfss, p.InterimPovertyThresholds, p.ProcessedFeatures }.ToDictionary(f => f, File.ReadAllBytes);

    [Fact]
    public async Task A_refused_conversion_leaves_every_earlier_output_as_it_was()
    {
        // Issue 24, item 2: the new table was renamed into place, then its codes checked, and on a refusal deleted: the last
        // good table was gone while the thresholds and features built from it stayed.
        using var temp = Repo.Temp();
        var good = Parameters(temp, NationalSlice.Write(temp.File("in/good.csv"), 2022, 8000), "2022");
        await ConvertStep.RunAsync(good);
        await TransformStep.RunAsync(good);
        var before = Outputs(good);

        var bad = Parameters(temp, NationalSlice.Write(temp.File("in/bad.csv"), 2022, 8000, (header, fields, row) =>
        {
            if (row == 4321) NationalSlice.Set(header, fields, "SEX", "3.0");
        }), "2022");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ConvertStep.RunAsync(bad));
        Assert.StartsWith("bad.csv: converted as LLCP2022-grouped, but its coding is not 2024's", error.Message);
        Assert.Contains("_SEX holds 3", error.Message);
        var after = Outputs(good);
        Assert.Equal(before.Keys, after.Keys);
        Assert.All(before, kv => Assert.True(kv.Value.AsSpan().SequenceEqual(after[kv.Key]), kv.Key));
        Assert.Equal(["brfss.parquet", "poverty_thresholds.parquet"],
            Directory.GetFiles(Path.GetDirectoryName(good.InterimBrfss)!).Select(Path.GetFileName).Order());
    }

    /// <summary>The header and first <paramref name="rows"/> respondents of the shipped 2016 extract (IYEAR 2016), as a CSV.</summary>
    internal static string Slice2016(TempFolder temp, string name, int rows)
    {
        using var gzip = new System.IO.Compression.GZipStream(File.OpenRead(RealData.Extract("brfss2016_llcp_statesubset_39vars.csv.gz")),
            System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        File.WriteAllLines(temp.File(name), Enumerable.Range(0, rows + 1).Select(_ => reader.ReadLine()!));
        return temp.File(name);
    }

    [Fact]
    public async Task A_refused_merge_of_several_years_names_the_users_sources()
    {
        // Issue 24, item 9: the merge converts into temporary part-{i}.parquet files, and its refusals named those.
        using var temp = Repo.Temp();
        var sep = Path.PathSeparator;
        var grouped = NationalSlice.Write(temp.File("grouped-2022.csv"), 2022, 500);
        var llcp = Slice2016(temp, "llcp-2016.csv", 500);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            ConvertStep.RunAsync(Parameters(temp, $"{llcp}{sep}{grouped}", $"2016{sep}2022")));
        Assert.Equal("grouped-2022.csv (LLCP2022-grouped) is not the same kind of extract as llcp-2016.csv (LLCP2016): " +
            "their columns would not mean the same; pool extracts of one kind.", error.Message);

        var again = NationalSlice.Write(temp.File("grouped-2022-again.csv"), 2022, 500,
            (header, fields, _) => NationalSlice.Set(header, fields, "YEAR", "2022"));
        error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            ConvertStep.RunAsync(Parameters(temp, $"{grouped}{sep}{again}", $"2022{sep}2022")));
        Assert.StartsWith("grouped-2022.csv and grouped-2022-again.csv are all of survey year 2022", error.Message);
        Assert.DoesNotContain("part-", error.Message);
        Assert.False(File.Exists(Parameters(temp, grouped).InterimBrfss));
    }
}
