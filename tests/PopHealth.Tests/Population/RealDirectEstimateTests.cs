using System.Globalization;
using PopHealth.Population;

namespace PopHealth.Tests.Population;

/// <summary>
/// Real data (the shipped 2016 extract, 356,581 respondents; runs in CI): the direct estimates equal R survey's svyby to 1e-8
/// (tests/fixtures/population: the fixture and the R script that made it), and coverage against the Census Bureau's adults.
/// </summary>
[Trait("Category", "RealData")]
public class RealDirectEstimateTests
{
    private static readonly Lazy<Task<DirectEstimates>> Default = new(async () => await DirectEstimator.EstimateAsync(await RealData.Interim2016()));

    private sealed record SurveyRow(string GeoLevel, string? GeoFips, string GroupDim, string GroupValue, double Value, double Se, long N);

    private static SurveyRow[] Fixture() =>
        File.ReadLines(Repo.Path("tests", "fixtures", "population", "direct_2016_survey.csv")).Skip(1)
            .Select(line => line.Split(',').Select(f => f.Trim('"')).ToArray()) // no field holds a comma
            .Select(f => new SurveyRow(f[0], f[1].Length == 0 ? null : f[1], f[2], f[3], Parse(f[4]), Parse(f[5]),
                long.Parse(f[6], CultureInfo.InvariantCulture)))
            .ToArray();

    private static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Every_estimate_and_standard_error_equals_r_survey_svyby_to_1e_8()
    {
        // Nothing suppressed here, so that every value is compared (the default rules are checked against R's numbers below).
        var options = new DirectEstimateOptions { MinRespondents = 1, MaxRelativeStandardError = double.MaxValue };
        var ours = (await DirectEstimator.EstimateAsync(await RealData.Interim2016(), options)).Rows
            .ToDictionary(r => (r.GeoLevel, r.GeoFips, r.GroupDim, r.GroupValue));
        var fixture = Fixture();
        Assert.Equal(1705, fixture.Length); // nation and 54 states x (all, 6 ages, 2 sexes, 6 incomes, 4 educations, 12 sex x age)
        Assert.Equal(54 * 6, fixture.Count(r => r.GeoLevel == "state" && r.GroupDim == "age"));
        foreach (var r in fixture)
        {
            Assert.True(ours.TryGetValue((r.GeoLevel, r.GeoFips, r.GroupDim, r.GroupValue), out var row), $"no estimate for {r}");
            Assert.Equal(r.N, row!.N);
            if (r.Value == 0) { Assert.Equal("estimate of 0 %: relative standard error undefined", row.SuppressionReason); continue; }
            Assert.True(Math.Abs(row.Value!.Value / 100 - r.Value) <= 1e-8, $"{r}: ours {row.Value / 100:R}");
            Assert.True(Math.Abs(row.Se!.Value / 100 - r.Se) <= 1e-8, $"{r}: our SE {row.Se / 100:R}");
        }
        Assert.Equal(fixture.Length, ours.Values.Count(r => r.GroupDim is "all" or "age" or "sex" or "income" or "education" or "sex x age"));
    }

    [Fact]
    public async Task The_default_rules_suppress_exactly_the_estimates_r_surveys_numbers_say_to()
    {
        var ours = (await Default.Value).Rows.ToDictionary(r => (r.GeoLevel, r.GeoFips, r.GroupDim, r.GroupValue));
        var suppressed = 0;
        foreach (var r in Fixture())
        {
            var row = ours[(r.GeoLevel, r.GeoFips, r.GroupDim, r.GroupValue)];
            var expected = r.N < 50 || r.Value == 0 || r.Se / r.Value > 0.30;
            Assert.True(expected == row.Suppressed, $"{r}: suppressed {row.Suppressed} ({row.SuppressionReason})");
            suppressed += expected ? 1 : 0;
            if (!row.Suppressed) Assert.Equal(100 * (r.Value - 1.959963984540054 * r.Se), row.CiLow!.Value, 6);
        }
        Assert.InRange(suppressed, 100, 200); // about one in ten: the state x age and sex x age cells of the small or partial states
    }

    [Fact]
    public async Task Coverage_against_the_census_flags_the_fifteen_partial_states_and_the_all_row()
    {
        var estimates = await Default.Value;
        var coverage = estimates.Coverage.Where(c => c.GeoLevel == "state").ToDictionary(c => c.GeoAbbr!);
        Assert.Equal(54, coverage.Count);
        Assert.Equal(0.026, coverage["MD"].Coverage!.Value, 3);
        Assert.Equal(0.027, coverage["NY"].Coverage!.Value, 3);
        Assert.Equal(0.105, coverage["CO"].Coverage!.Value, 3);
        string[] partial = ["AR", "CO", "FL", "IL", "KS", "MD", "ME", "MN", "MT", "NH", "NY", "SC", "TX", "VA", "WV"];
        Assert.Equal(partial, coverage.Values.Where(c => c.Partial == true).Select(c => c.GeoAbbr!).Order());
        // The states whose whole sample is present cover 0.998-1.033 of their resident adults; Oklahoma (0.947) misses part of
        // its sample but stays above the 90 % line.
        Assert.All(coverage.Values.Where(c => c.Partial == false && c.GeoAbbr != "OK"), c => Assert.InRange(c.Coverage!.Value, 0.998, 1.033));
        Assert.Equal(0.947, coverage["OK"].Coverage!.Value, 3);
        Assert.Equal(["GU", "VI"], coverage.Values.Where(c => c.Coverage is null).Select(c => c.GeoAbbr!).Order());
        var all = Assert.Single(estimates.Coverage, c => c.GeoLevel == "all");
        Assert.True(all.Partial);
        Assert.InRange(all.Coverage!.Value, 0.79, 0.81);
        // Every row of a partial state says so; no fully present state's row does.
        Assert.All(estimates.Rows.Where(r => r.GeoAbbr is { } a && partial.Contains(a)), r => Assert.True(r.Partial));
        Assert.All(estimates.Rows.Where(r => r.GeoAbbr is { } a && !partial.Contains(a) && a is not ("GU" or "VI")), r => Assert.False(r.Partial));
        var design = Assert.Single(estimates.Designs);
        Assert.Equal((true, 356_581L, 1349, 1), (design.Weighted, design.DesignRespondents, design.Strata, design.LonelyStrata));
    }

    [Fact]
    public async Task The_real_extract_is_written_and_reads_back_whole()
    {
        var estimates = await Default.Value;
        using var temp = Repo.Temp();
        var (parquet, csv) = await PopulationExtract.WriteAsync(temp.Path, estimates.Rows, estimates.Metadata());
        Assert.Equal(estimates.Rows, await PopulationExtract.ReadAsync(parquet));
        Assert.Equal(estimates.Rows, PopulationExtract.ReadCsv(csv));
        Assert.Equal(1 + 6 + 2 + 6 + 4 + 12 + 2 * 4 + 2 * 6, estimates.Rows.Count(r => r.GeoLevel == "all"));
        Assert.Contains("1,349 strata",
            (await PopHealth.Workbook.ParquetFrames.ReadMetadataAsync(parquet))[DirectEstimates.MetadataPrefix + "design"]);
    }
}
