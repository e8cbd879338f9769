using PopHealth.Features;
using PopHealth.Workbook;

namespace PopHealth.Tests.Features;

/// <summary>The recipes on the real 2016 extract: counts computed independently with pandas by crosschecks/seed_recipe.py.</summary>
[Trait("Category", "RealData")]
public class RealFeatureTests
{
    [Fact]
    public async Task Seed_recipe_on_2016_gives_the_originals_row_counts()
    {
        var set = await FeatureBuilder.BuildAsync(await RealData.Interim2016(), Recipe.Original);
        Assert.Equal(114_567, set.Rows);
        Assert.Equal((114_567L - 20_015, 20_015L), set.ClassBalance());
        Assert.Equal(["_AGEG5YR_clean", "EDUCA_clean", "_BMI5", "_SMOKER3_clean", "DRNKANY_clean", "INCOME_clean", "num_conditions",
            "income_adj_pov"], set.FeatureNames);
        Assert.All(set.Dictionary(), d => Assert.Equal(0, d.ShareMissing));
        Assert.Equal(356_581, set.Accounting.Single(a => a.Step == "source rows").Rows);
        Assert.Equal(114_567, set.Accounting.Single(a => a.Step == "kept").Rows);
    }

    [Fact]
    public async Task Improved_recipe_on_2016_keeps_every_respondent_with_a_known_target()
    {
        var set = await FeatureBuilder.BuildAsync(await RealData.Interim2016(), Recipe.Improved);
        Assert.Equal(355_679, set.Rows);
        var ratio = set.Values("poverty_ratio");
        // 2016 thresholds come from the 2024 table scaled by CPI-U; ratios span a plausible range.
        Assert.InRange(ratio.Where(r => r is not null).Average()!.Value, 1.5, 5);
        Assert.Contains("CPI-U 2016/2024", set.Features.Single(f => f.Name == "poverty_ratio").Sources);
        Assert.True(set.HasColumn(FeatureSet.Weight) && set.HasColumn(FeatureSet.State) && set.HasColumn(FeatureSet.Stratum));
    }

    [Fact]
    public async Task Interview_month_on_2016_is_charted_as_r_survey_estimates_it_and_decided_on_training_respondents()
    {
        var set = await FeatureBuilder.BuildAsync(await RealData.Interim2016(), Recipe.Improved);
        Assert.Contains(FeatureSet.InterviewMonth, set.FeatureNames);
        var byMonth = SurveyEstimates.FairPoorByMonth(set)!;
        Assert.True(byMonth.Weighted);
        Assert.Equal(12, byMonth.Groups.Count);
        // R survey 4.1: svyby(~y, ~IMONTH, svydesign(ids = ~1, strata = ~_STSTR, weights = ~_LLCPWT), svymean) on the respondents with a
        // known _RFHLTH, options(survey.lonely.psu = "adjust") as the workbook (the one single-respondent stratum, 531092, was
        // interviewed in December: with "certainty" December's SE is 0.00435531126017883).
        (string Month, long N, double P, double Se)[] r =
            [("Jan", 23_340, 0.179291581673136, 0.00560514227287133), ("Jul", 30_825, 0.176816022594571, 0.00407883059683852),
                ("Dec", 34_499, 0.181104568498779, 0.00435531191102557)];
        foreach (var (month, n, p, se) in r)
        {
            var g = byMonth.Groups.Single(x => x.Group == month);
            Assert.Equal(n, g.Respondents);
            Assert.Equal(p, g.Prevalence, 10);
            Assert.Equal(se, (g.Upper - g.Lower) / (2 * 1.959964), 10);
        }
        var decision = Assert.Single(Steps.TransformStep.DecideCandidates(set, WorkbookParameters.DefaultSeed).Candidates);
        Console.WriteLine(decision.Reason);
        Assert.Equal(decision.Gain >= decision.MinimumGain, decision.Kept);
        Assert.Equal(60_000, decision.Rows, 1.0); // a stratified subsample of the 80 % training split
    }
}
