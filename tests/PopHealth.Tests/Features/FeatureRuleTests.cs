using PopHealth.Ingest.Codebook;
using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Ingest;
using PopHealth.Ingest.Census;
using PopHealth.Workbook;

namespace PopHealth.Tests.Features;

[Trait("Category", "Unit")]
public class FeatureRuleTests
{
    private static readonly PovertyThresholdTable T2024 = PovertyThresholdTable.ForYear(2024);

    [Theory]
    [InlineData("_AGEG5YR", 14.0, null)]
    [InlineData("_AGEG5YR", 13.0, 13.0)]
    [InlineData("INCOME3", 77.0, null)]
    [InlineData("INCOME3", 99.0, null)]
    [InlineData("INCOME3", 11.0, 11.0)]
    [InlineData("DRNKANY6", 7.0, null)]
    [InlineData("CHILDREN", 88.0, 0.0)]
    [InlineData("CHILDREN", 99.0, null)]
    [InlineData("CHILDREN", 3.0, 3.0)]
    [InlineData("POORHLTH", 88.0, 0.0)]
    [InlineData("HHADULT", 77.0, null)]
    [InlineData("_RFHLTH", 9.0, null)]
    [InlineData("_BMI5", 2534.0, 2534.0)]
    [InlineData("NOT_A_RULE", 9.0, 9.0)]
    public void Missing_and_none_codes_per_variable(string variable, double code, double? expected) =>
        Assert.Equal(expected, BrfssCodes.Clean(variable, code));

    [Fact]
    public void Condition_items_count_only_yes()
    {
        Assert.True(BrfssCodes.ConditionYes("DIABETE4", 1));
        Assert.False(BrfssCodes.ConditionYes("DIABETE4", 2)); // during pregnancy only
        Assert.False(BrfssCodes.ConditionYes("DIABETE4", 4)); // pre-diabetes
        Assert.Null(BrfssCodes.ConditionYes("ASTHMA3", 7));
        Assert.Null(BrfssCodes.ConditionYes("ASTHMA3", null));
    }

    [Theory]
    [InlineData(2.0, 3.0, 5)]
    [InlineData(1.0, 0.0, 1)]
    [InlineData(1.0, null, 1)]
    [InlineData(null, 2.0, null)]
    [InlineData(0.0, 2.0, null)]
    public void Household_size_is_adults_plus_children(double? adults, double? children, int? expected) =>
        Assert.Equal(expected, HouseholdPoverty.HouseholdSize(adults, children));

    [Fact]
    public void Poverty_ratio_uses_bracket_midpoints_and_the_right_census_row()
    {
        var income3 = BrfssYearProfile.Llcp2024.IncomeBrackets;
        Assert.Equal(30_000, HouseholdPoverty.BracketDollars(5, income3)); // 25–35k
        Assert.Equal(300_000, HouseholdPoverty.BracketDollars(11, income3)); // 200k+ × 1.5
        Assert.Null(HouseholdPoverty.BracketDollars(12, income3));
        // Single person 70 years old earning 25–35k: 30,000 / 15,045.
        Assert.Equal(30_000 / 15_045.0, HouseholdPoverty.PovertyRatio(5, income3, 1, 0, true, T2024)!.Value, 12);
        // Two adults and two children, 50–75k: 62,500 / four people with two children (31,812).
        Assert.Equal(62_500 / 31_812.0, HouseholdPoverty.PovertyRatio(7, income3, 4, 2, false, T2024)!.Value, 12);
        // Two people, one a child, householder under 65: 21,621.
        Assert.Equal(12_500 / 21_621.0, HouseholdPoverty.PovertyRatio(2, income3, 2, 1, false, T2024)!.Value, 12);
        Assert.Null(HouseholdPoverty.PovertyRatio(null, income3, 4, 2, false, T2024));
        Assert.Null(HouseholdPoverty.PovertyRatio(7, income3, null, 2, false, T2024));
    }

    [Fact]
    public void The_originals_poverty_codes_keep_its_factorize_quirk()
    {
        var codes = HouseholdPoverty.OriginalPovertyCodes(T2024);
        // Order of first appearance: 15,940→$15k bin (2); 20,220→$20k bin (3); children-0 column: 24,537→3,
        // 32,355→$25–35k (4), 39,019→4, 44,879→$35–50k (5), 51,638→5, 57,753→$50–75k (6), 69,473→6;
        // then the one-child column's 25,249 floors to $25,000 → the $20–25k bin, first seen now → 7.
        Assert.Equal(2, codes[(1, 0)]);
        Assert.Equal(3, codes[(2, 0)]);
        Assert.Equal(3, codes[(2, 1)]);
        Assert.Equal(3, codes[(3, 0)]);
        Assert.Equal(4, codes[(4, 0)]);
        Assert.Equal(5, codes[(6, 0)]);
        Assert.Equal(6, codes[(9, 0)]);
        Assert.Equal(7, codes[(3, 1)]);
        Assert.False(codes.ContainsKey((1, 1))); // one adult with a child: no row, so the original dropped them
        Assert.False(codes.ContainsKey((3, 3)));
    }

    private static DataFrame Respondents(params (string Name, double?[] Values)[] columns) =>
        new(columns.Select(c => (DataFrameColumn)new DoubleDataFrameColumn(c.Name, c.Values)));

    private static (string, double?[]) Col(string name, params double?[] values) => (name, values);

    private static DataFrame ThreeRespondents() => Respondents(
        Col("_RFHLTH", 1, 2, 9),
        Col("_AGEG5YR", 10, 14, 5),
        Col("_SEX", 2, 1, 2),
        Col("EDUCA", 6, 4, 9),
        Col("_BMI5", 2534, 3120, null),
        Col("_SMOKER3", 4, 1, 9),
        Col("DRNKANY6", 1, 2, 7),
        Col("INCOME3", 7, 99, 3),
        Col("CHILDREN", 88, 2, 88),
        Col("HHADULT", 2, 1, 1),
        Col("CVDINFR4", 2, 1, 2), Col("CVDCRHD4", 2, 2, 2), Col("CVDSTRK3", 2, 1, 2), Col("ASTHMA3", 1, 7, 2),
        Col("CHCSCNC1", 2, 2, 2), Col("CHCOCNC1", 2, 2, 2), Col("CHCCOPD3", 2, 2, 2), Col("ADDEPEV3", 2, 2, 2),
        Col("CHCKDNY2", 2, 2, 2), Col("HAVARTH4", 2, 1, 2), Col("DIABETE4", 3, 1, 3),
        Col("_LLCPWT", 120.5, 80, 40), Col("_STATE", 29, 29, 6), Col("_STSTR", 29011, 29012, 6011));

    [Fact]
    public void Seed_recipe_computes_the_originals_features_and_drops_incomplete_rows()
    {
        var set = FeatureBuilder.Build(ThreeRespondents(), BrfssYearProfile.Llcp2024, Recipe.Original);
        // Row 2 lacks income (99), row 3 lacks the target (9): only row 1 survives.
        Assert.Equal(1, set.Rows);
        Assert.Equal([0.0], set.Values(FeatureSet.Target));
        Assert.Equal(1L, set.Table.Columns[FeatureSet.RespondentId][0]);
        Assert.Equal(1.0, set.Values("num_conditions")[0]);
        // Income 7 minus the original's code for (2 adults, 0 children) = 3.
        Assert.Equal(4.0, set.Values("income_adj_pov")[0]);
        Assert.Equal(2534.0, set.Values("_BMI5")[0]);
        Assert.Equal(120.5, set.Values(FeatureSet.Weight)[0]);
        Assert.Contains(set.Accounting, a => a.Step == "dropped: target unknown" && a.Rows == 1);
        Assert.Contains(set.Accounting, a => a.Step == "dropped: any feature missing" && a.Rows == 1);
    }

    [Fact]
    public void Improved_recipe_keeps_every_known_target_with_corrected_household_and_ratio()
    {
        var set = FeatureBuilder.Build(ThreeRespondents(), BrfssYearProfile.Llcp2024, Recipe.Improved);
        Assert.Equal(2, set.Rows);
        Assert.Equal([0.0, 1.0], set.Values(FeatureSet.Target));
        Assert.Equal([2.0, 3.0], set.Values("household_size"));
        // Row 1: 62,500 / two people, householder 65+ (age group 10), no children: 18,961.
        Assert.Equal(62_500 / 18_961.0, set.Values("poverty_ratio")[0]!.Value, 12);
        Assert.Null(set.Values("poverty_ratio")[1]);
        Assert.Equal([0.0, 1.0], set.Values("income_unknown"));
        Assert.Equal([10.0, null], set.Values("age_group"));
        Assert.Equal([25.34, 31.2], set.Values("bmi"));
        Assert.Equal([1.0, 4.0], set.Values("condition_count")); // row 2: heart attack, stroke, arthritis, diabetes
        Assert.Equal([0.0, 1.0], set.Values("conditions_unanswered")); // row 2: asthma 7
        Assert.Equal([1.0, null], set.Values("asthma"));
        Assert.Equal([1.0, 0.0], set.Values("female"));
        Assert.All(set.Dictionary(), d => Assert.InRange(d.ShareMissing, 0, 1));
        Assert.Equal(0.5, set.Dictionary().Single(d => d.Feature == "income_bracket").ShareMissing);
    }

    [Fact]
    public void Grouped_only_extract_gets_the_closest_equivalents_and_seed_is_refused_by_name()
    {
        var grouped = Respondents(Col("_RFHLTH", 1, 2), Col("_AGEG5YR", 3, 12), Col("_EDUCAG", 4, 1), Col("_BMI5CAT", 2, 4),
            Col("_INCOMG1", 5, 9), Col("_MICHD", 2, 1), Col("_DRDXAR2", 2, 1), Col("CVDSTRK3", 2, 2), Col("DIABETE4", 4, 1), Col("_TOTINDA", 1, 2),
            Col("_RFBING6", 2, 9), Col("_RFDRHV9", 1, 2));
        var set = FeatureBuilder.Build(grouped, BrfssYearProfile.National2024Grouped, Recipe.Improved);
        Assert.Contains("education_group", set.FeatureNames);
        Assert.Contains("bmi_category", set.FeatureNames);
        Assert.DoesNotContain("poverty_ratio", set.FeatureNames);
        Assert.Equal([0.0, 3.0], set.Values("condition_count"));
        Assert.Equal([1.0, 0.0], set.Values("physically_active"));
        Assert.Equal([1.0, null], set.Values("binge_drinking")); // CDC's _RF groupings: 2 = the risk, 1 = not, 9 = unknown
        Assert.Equal([0.0, 1.0], set.Values("heavy_drinking"));
        Assert.Equal([1.0, 0.0], set.Values("prediabetes")); // DIABETE4 4 (pre-diabetes) and 1 (diabetes, counted as a condition)
        var e = Assert.Throws<InvalidDataException>(() => FeatureBuilder.Build(grouped, BrfssYearProfile.National2024Grouped, Recipe.Original));
        Assert.Contains("EDUCA", e.Message);
        Assert.Contains("POPHEALTH_RECIPE=improved", e.Message);
    }

    [Fact]
    public async Task Feature_table_round_trips_through_parquet_with_its_dictionary()
    {
        using var temp = Repo.Temp();
        var set = FeatureBuilder.Build(ThreeRespondents(), BrfssYearProfile.Llcp2024, Recipe.Improved);
        var path = temp.File("processed/features.parquet");
        await set.WriteAsync(path);
        var read = await FeatureSet.ReadAsync(path);
        Assert.Equal(Recipe.Improved, read.Recipe);
        Assert.Equal(set.FeatureNames, read.FeatureNames);
        Assert.Equal(set.Accounting, read.Accounting);
        Assert.Equal(set.Values("poverty_ratio"), read.Values("poverty_ratio"));
        Assert.Equal(set.Values(FeatureSet.Target), read.Values(FeatureSet.Target));
        Assert.Equal("improved", (await ParquetFrames.ReadAsync(path, [FeatureSet.RecipeColumn])).Columns[0][0]);
        var notFeatures = temp.File("other.parquet");
        await ParquetFrames.WriteAsync(Respondents(Col("x", 1)), notFeatures);
        Assert.Contains("run 03-transform", (await Assert.ThrowsAsync<InvalidDataException>(() => FeatureSet.ReadAsync(notFeatures))).Message);
    }
}
