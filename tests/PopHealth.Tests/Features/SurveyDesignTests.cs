using PopHealth.Features;

namespace PopHealth.Tests.Features;

/// <summary>The design-based domain means against hand computation and R survey 4.1.1 on small cases.</summary>
[Trait("Category", "Unit")]
public class SurveyDesignTests
{
    // Nine respondents in four strata; row 6 has no outcome (it stays in the design: stratum 2 has n = 3); stratum 4 holds one
    // respondent (lonely); domain b has nobody in stratum 1.
    private static readonly double?[] Y = [1, 0, 1, 0, 1, null, 1, 0, 0];
    private static readonly double?[] W = [2, 1, 1, 3, 2, 1, 4, 1, 2];
    private static readonly double?[] H = [1, 1, 1, 2, 2, 2, 3, 3, 4];
    private static readonly int[] G = [0, 0, 0, 0, 1, 1, 1, 0, 1]; // a = 0, b = 1

    [Fact]
    public void Domain_means_and_standard_errors_equal_r_survey_with_a_lonely_stratum_adjusted()
    {
        // R: options(survey.lonely.psu = "adjust"); d <- svydesign(ids = ~1, strata = ~h, weights = ~w, data = d);
        // svymean(~y, d, na.rm = TRUE); svyby(~y, ~g, d, svymean, na.rm = TRUE).
        var design = SurveyDesign.Create(W, H);
        Assert.Equal((9, 4, 1), (design.DesignRows, design.Strata, design.LonelyStrata));
        var all = design.Means(Y, new int[9], 1)[0];
        Assert.Equal(0.5625, all.Mean, 15);
        Assert.Equal(0.22820658857778953, all.StandardError, 14);
        Assert.Equal(8, all.Respondents);
        Assert.Equal(16, all.WeightTotal);
        var byGroup = design.Means(Y, G, 2);
        Assert.Equal([0.375, 0.75], byGroup.Select(m => m.Mean));
        Assert.Equal(0.23122888417107407, byGroup[0].StandardError, 14);
        Assert.Equal(0.23385358667337133, byGroup[1].StandardError, 14);
    }

    [Fact]
    public void Domain_b_by_hand_counts_outsiders_as_zeros_and_the_lonely_respondent_in_full_or_not_at_all()
    {
        // b: W = 8, p = 6/8 = 0.75; z = w (y − p) / W: row 5 +0.0625, row 7 +0.125, row 9 −0.1875; every other row 0.
        // Stratum 1 (no b): 0. Stratum 2 (n = 3, rows 4, 5, 6): 3/2 (0.0625² − 0.0625²/3) = 0.00390625.
        // Stratum 3 (n = 2, rows 7, 8): 2/1 (0.125² − 0.125²/2) = 0.015625. Stratum 4 (lonely, row 9): 0.1875² = 0.03515625 or 0.
        var adjusted = SurveyDesign.Create(W, H, LonelyStratum.Adjust).Means(Y, G, 2)[1];
        var certain = SurveyDesign.Create(W, H, LonelyStratum.Certainty).Means(Y, G, 2)[1];
        Assert.Equal(Math.Sqrt(0.00390625 + 0.015625 + 0.03515625), adjusted.StandardError, 15);
        Assert.Equal(Math.Sqrt(0.00390625 + 0.015625), certain.StandardError, 15);
        // R with lonely.psu = "certainty": 0.13975424859373686 (b), 0.2171045817435977 (all).
        Assert.Equal(0.13975424859373686, certain.StandardError, 14);
        Assert.Equal(0.2171045817435977, SurveyDesign.Create(W, H, LonelyStratum.Certainty).Means(Y, new int[9], 1)[0].StandardError, 14);
    }

    [Fact]
    public void Equal_weights_in_one_stratum_give_the_textbook_standard_error_and_rows_without_weight_are_outside()
    {
        // One stratum, equal weights: SE = sqrt(p (1 − p) / (n − 1)).
        var plain = SurveyDesign.Create([1, 1, 1, 1]).Means([1, 0, 0, 1], new int[4], 1)[0];
        Assert.Equal(Math.Sqrt(0.25 / 3), plain.StandardError, 15);
        // A row without a positive weight is not in the design: the same numbers with three such rows added.
        var withStrays = SurveyDesign.Create([1, 1, null, 1, 0, 1, -2]).Means([1, 0, 1, 0, 1, 1, 1], new int[7], 1)[0];
        Assert.Equal(plain, withStrays);
        Assert.Equal(4, SurveyDesign.Create([1, 1, null, 1, 0, 1, -2]).DesignRows);
    }

    [Fact]
    public void A_domain_without_respondents_has_no_mean_and_bad_input_is_named()
    {
        var means = SurveyDesign.Create(W, H).Means(Y, G.Select(g => g == 1 ? 2 : g).ToArray(), 3);
        Assert.Equal(0, means[1].Respondents);
        Assert.True(double.IsNaN(means[1].Mean));
        Assert.Contains("strata", Assert.Throws<ArgumentException>(() => SurveyDesign.Create(W, [1, 2])).Message);
        Assert.Contains("domain 5",
            Assert.Throws<ArgumentOutOfRangeException>(() => SurveyDesign.Create(W).Means(Y, G.Select(_ => 5).ToArray(), 2)).Message);
    }
}
