using Xunit.Abstractions;
using PopHealth.Population.SmallArea;

namespace PopHealth.Tests.Population.SmallArea;

/// <summary>
/// The small-area model's fit: equal to lme4's (glmer, nAGQ = 0; 1e-4 asked, about 1e-7 found) on a fixture made by R
/// (tests/fixtures/population/small-area, with its script), recovering known parameters on simulated data,
/// deterministic under a seed, and giving a state without respondents an estimate from the fixed part with a wide
/// interval.
/// </summary>
[Trait("Category", "Unit")]
public class SmallAreaFitTests(ITestOutputHelper output)
{
    private static readonly string[] FixedLme4 = ["(Intercept)", "factor(sex)2", "factor(education)2", "factor(education)3", "factor(education)4"];

    private void AssertMatchesLme4(SmallAreaFitSummary ours, Dictionary<string, double> lme4, string[] fixedNames, string[] sigmaNames)
    {
        output.WriteLine($"largest difference from lme4: " +
            $"fixed effects {fixedNames.Select((n, j) => Math.Abs(ours.FixedEffects[j] - lme4[n])).Max():E2}, " +
            $"σ {sigmaNames.Select((n, t) => Math.Abs(ours.Sigma[t] - lme4[n])).Max():E2}");
        Assert.Equal(fixedNames.Length, ours.FixedEffects.Count);
        for (var j = 0; j < fixedNames.Length; j++)
            Assert.True(Math.Abs(ours.FixedEffects[j] - lme4[fixedNames[j]]) < 1e-4,
                $"{ours.FixedNames[j]}: ours {ours.FixedEffects[j]:R}, lme4 {lme4[fixedNames[j]]:R}");
        for (var t = 0; t < sigmaNames.Length; t++)
            Assert.True(Math.Abs(ours.Sigma[t] - lme4[sigmaNames[t]]) < 1e-4,
                $"σ {ours.RandomTerms[t]}: ours {ours.Sigma[t]:R}, lme4 {lme4[sigmaNames[t]]:R}");
    }

    [Fact]
    public void State_intercept_model_with_a_state_covariate_equals_lme4_to_1e_4()
    {
        var model = SmallAreaModel.Fit(SmallAreaFixtures.Lme4Respondents(), SmallAreaFixtures.Lme4Frame(),
            SmallAreaFixtures.Quick(covariates: [SmallAreaOptions.LowEducationShare]));
        Assert.Equal(["(intercept)", "sex=female", "education=high school", "education=some college", "education=college graduate",
            "low_education_share"], model.Summary.FixedNames);
        AssertMatchesLme4(model.Summary, SmallAreaFixtures.Lme4Fit("A"), [.. FixedLme4, "lowedu"], ["sd(state)"]);
    }

    [Fact]
    public void Two_standard_deviations_state_and_state_x_education_equal_lme4_to_1e_4()
    {
        var model = SmallAreaModel.Fit(SmallAreaFixtures.Lme4Respondents(), SmallAreaFixtures.Lme4Frame(),
            SmallAreaFixtures.Quick(groupEffects: [PopHealth.Population.SmallArea.CellScheme.Education]));
        Assert.Equal(["state", "state × education"], model.Summary.RandomTerms);
        AssertMatchesLme4(model.Summary, SmallAreaFixtures.Lme4Fit("B"), FixedLme4, ["sd(state)", "sd(state:education)"]);
    }

    [Fact]
    public void Fit_recovers_known_fixed_effects_and_state_spread_on_simulated_data()
    {
        double[] beta = [-1.0, 0.3, -0.5, -0.8, -1.3];
        var (frame, respondents) = SmallAreaFixtures.Simulate(states: 45, perState: 1500, beta, sigma: 0.3, seed: 11);
        var summary = SmallAreaModel.Fit(respondents, frame, SmallAreaFixtures.Quick()).Summary;
        // Standard errors here: about 0.05 for the intercept (45 states' spread), 0.02 for the cell effects, 0.035 for σ.
        Assert.True(Math.Abs(summary.FixedEffects[0] - beta[0]) < 0.15, $"intercept {summary.FixedEffects[0]}");
        for (var j = 1; j < beta.Length; j++)
            Assert.True(Math.Abs(summary.FixedEffects[j] - beta[j]) < 0.08, $"{summary.FixedNames[j]}: {summary.FixedEffects[j]} against {beta[j]}");
        Assert.True(Math.Abs(summary.Sigma[0] - 0.3) < 0.1, $"σ {summary.Sigma[0]}");
        Assert.Equal(45 * 1500, summary.Respondents);
    }

    [Fact]
    public void The_same_seed_gives_the_same_estimates_and_another_seed_other_draws()
    {
        var (frame, respondents) = SmallAreaFixtures.Simulate(states: 12, perState: 200, [-1.0, 0.2, -0.4, -0.7, -1.0], sigma: 0.3, seed: 5);
        var first = SmallAreaModel.Fit(respondents, frame, SmallAreaFixtures.Quick(seed: 3)).Estimate();
        var again = SmallAreaModel.Fit(respondents, frame, SmallAreaFixtures.Quick(seed: 3)).Estimate();
        var other = SmallAreaModel.Fit(respondents, frame, SmallAreaFixtures.Quick(seed: 4)).Estimate();
        Assert.Equal(first, again);
        Assert.NotEqual(first.Select(e => e.Estimate), other.Select(e => e.Estimate));
        // Other draws of the same posterior: the estimates move by far less than their standard errors.
        Assert.All(first.Zip(other), p => Assert.True(Math.Abs(p.First.Estimate - p.Second.Estimate) < p.First.StandardError / 2));
    }

    [Fact]
    public void A_state_without_respondents_gets_an_estimate_from_the_fixed_part_with_a_wide_interval()
    {
        var (frame, respondents) = SmallAreaFixtures.Simulate(states: 20, perState: 400, [-1.0, 0.2, -0.4, -0.7, -1.0], sigma: 0.3, seed: 9,
            emptyStates: 1);
        var empty = frame.States[^1].State;
        Assert.DoesNotContain(respondents, r => r.State == empty);
        var estimates = SmallAreaModel.Fit(respondents, frame, SmallAreaFixtures.Quick()).Estimate()
            .Where(e => e.Dimension == "all").ToDictionary(e => e.State);
        Assert.Equal(21, estimates.Count);
        var lonely = estimates[empty];
        Assert.Equal(0, lonely.Respondents);
        var widths = estimates.Values.Where(e => e.State != empty).Select(e => e.Upper - e.Lower).Order().ToArray();
        // Its state effect is a draw from the fitted spread (σ ≈ 0.3 on the logit scale): about twice as wide as a state with 400 respondents.
        Assert.True(lonely.Upper - lonely.Lower > 1.5 * widths[widths.Length / 2],
            $"width {lonely.Upper - lonely.Lower:0.000} against median {widths[widths.Length / 2]:0.000}");
        Assert.InRange(lonely.Estimate, lonely.Lower, lonely.Upper);
    }

    [Fact]
    public void Respondents_left_out_of_the_fit_are_counted_by_reason()
    {
        var (frame, respondents) = SmallAreaFixtures.Simulate(states: 6, perState: 100, [-1.0, 0.2, -0.4, -0.7, -1.0], sigma: 0.3, seed: 2);
        respondents.Add(new SmallAreaRespondent(frame.States[0].State, null, 1, 2, null, null, 1, 1));
        respondents.Add(new SmallAreaRespondent(frame.States[0].State, null, null, 2, null, true, 1, 1));
        respondents.Add(new SmallAreaRespondent(frame.States[0].State, null, 1, null, null, false, 1, 1));
        respondents.Add(new SmallAreaRespondent(99, null, 1, 1, null, false, 1, 1));
        var summary = SmallAreaModel.Fit(respondents, frame, SmallAreaFixtures.Quick()).Summary;
        Assert.Equal(600, summary.Respondents);
        var leftOut = summary.LeftOut.ToDictionary(l => l.Key, l => l.Value);
        Assert.Equal(new Dictionary<string, int> { ["outcome unknown"] = 1, ["unknown sex"] = 1, ["unknown education"] = 1,
            ["state 99 not in the frame"] = 1 }, leftOut);
    }
}
