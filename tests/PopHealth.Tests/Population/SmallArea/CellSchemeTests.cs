using PopHealth.Ingest;
using PopHealth.Population.SmallArea;

namespace PopHealth.Tests.Population.SmallArea;

/// <summary>The census-type cells: only variables population tables count, income bands per profile, cell indexing.</summary>
[Trait("Category", "Unit")]
public class CellSchemeTests
{
    [Fact]
    public void Behaviours_and_conditions_are_refused_as_cell_variables_naming_each()
    {
        var error = Assert.Throws<ArgumentException>(() => CellScheme.For(BrfssYearProfile.Llcp2016, ["age", "sex", "_SMOKER3", "DIABETE4", "bmi"]));
        Assert.Contains("_SMOKER3, DIABETE4, bmi", error.Message);
        Assert.Contains("never behaviours or conditions", error.Message);
        Assert.Throws<ArgumentException>(() => CellScheme.For(BrfssYearProfile.Llcp2016, []));
    }

    [Fact]
    public void Income_levels_are_the_report_bands_of_the_profile_plus_unknown()
    {
        var income2016 = CellScheme.For(BrfssYearProfile.Llcp2016).Variables.Single(v => v.Name == CellScheme.Income).Levels;
        Assert.Equal(["under $15k", "$15k-25k", "$25k-35k", "$35k-50k", "$50k-75k", "$75k+", "unknown"], income2016);
        var grouped = CellScheme.For(BrfssYearProfile.National2024Grouped);
        Assert.Equal(["under $15k", "$15k-25k", "$25k-35k", "$35k-50k", "$50k-100k", "$100k+", "unknown"],
            grouped.Variables.Single(v => v.Name == CellScheme.Income).Levels);
        var scheme = CellScheme.For(BrfssYearProfile.Llcp2016);
        Assert.Equal(1, scheme.IncomeLevel(2));   // $10-15k
        Assert.Equal(2, scheme.IncomeLevel(3));   // $15-20k
        Assert.Equal(6, scheme.IncomeLevel(8));   // $75k+
        Assert.Equal(7, scheme.IncomeLevel(null)); // refused / don't know
        Assert.Equal(7, scheme.IncomeLevel(42));   // not a bracket
        Assert.Equal([15_000, 25_000, 35_000, 50_000, 75_000, null], scheme.IncomeUppers);
    }

    [Fact]
    public void Cells_index_every_combination_once_and_give_back_their_levels()
    {
        var scheme = CellScheme.For(BrfssYearProfile.Llcp2016);
        Assert.Equal(13 * 2 * 4 * 7, scheme.CellCount);
        var seen = new HashSet<int>();
        for (var age = 1; age <= 13; age++)
            for (var sex = 1; sex <= 2; sex++)
                for (var education = 1; education <= 4; education++)
                    for (var income = 1; income <= 7; income++)
                    {
                        var cell = scheme.Cell([age, sex, education, income]);
                        Assert.True(seen.Add(cell));
                        Assert.Equal([age, sex, education, income], Enumerable.Range(0, 4).Select(v => scheme.Level(cell, v)));
                    }
        Assert.Equal(3, CellScheme.AgeBandOf("30-34"));
        Assert.Null(CellScheme.AgeBandOf("18-44"));
    }

    [Fact]
    public void Default_groups_use_the_direct_estimates_dimensions_and_labels()
    {
        var scheme = CellScheme.For(BrfssYearProfile.Llcp2016);
        var groups = SmallAreaGroup.Defaults(scheme);
        Assert.Equal(["all", "age", "sex", "education", "income", "sex x age", "sex x education", "sex x income"],
            groups.Select(g => g.Dimension).Distinct());
        Assert.Equal(["18-24", "25-34", "35-44", "45-54", "55-64", "65+"], groups.Where(g => g.Dimension == "age").Select(g => g.Label));
        Assert.DoesNotContain(groups, g => g.Label.Contains("unknown", StringComparison.Ordinal));
        Assert.Equal(1 + 6 + 2 + 4 + 6 + 12 + 8 + 12, groups.Count);
        var old = groups.Single(g => g.Label == "65+");
        Assert.Equal(4 * 2 * 4 * 7, old.Cells.Count); // bands 65-69 … 80+
        Assert.Contains(groups, g => g.Label == "female x 25-34" && g.Cells.Count == 2 * 4 * 7);
        Assert.Throws<ArgumentException>(() => SmallAreaGroup.Defaults(SmallAreaFixtures.SexEducation, ["sex x age"]));
    }
}
