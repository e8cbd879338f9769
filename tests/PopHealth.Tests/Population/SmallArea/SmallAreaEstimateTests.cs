using PopHealth.Population;
using PopHealth.Population.SmallArea;

namespace PopHealth.Tests.Population.SmallArea;

/// <summary>Post-stratification, the calibration to the weights, the blend with direct estimates, and the extract's rows.</summary>
[Trait("Category", "Unit")]
public class SmallAreaEstimateTests
{
    private static readonly double[] Beta = [-1.0, 0.2, -0.4, -0.7, -1.0];

    [Fact]
    public void Post_stratification_adds_up_groups_weighted_by_their_adults_exactly()
    {
        var (frame, respondents) = SmallAreaFixtures.Simulate(states: 8, perState: 300, Beta, sigma: 0.3, seed: 21);
        var estimates = SmallAreaModel.Fit(respondents, frame, SmallAreaFixtures.Quick(groupEffects: [CellScheme.Education])).Estimate();
        var scheme = frame.Scheme;
        foreach (var state in frame.States)
        {
            var mine = estimates.Where(e => e.State == state.State).ToList();
            var all = mine.Single(e => e.Dimension == "all");
            Assert.Equal(state.Counts.Sum(), all.Adults, 9);
            var male = Enumerable.Range(0, scheme.CellCount).Where(c => scheme.Level(c, 0) == 1).Sum(c => state.Counts[c]);
            Assert.Equal(male, mine.Single(e => e.Group == "male").Adults, 9);
            foreach (var dimension in new[] { "sex", "education", "sex x education" })
            {
                var parts = mine.Where(e => e.Dimension == dimension).ToList();
                Assert.Equal(all.Adults, parts.Sum(e => e.Adults), 6);
                Assert.Equal(all.Estimate, parts.Sum(e => e.Adults * e.Estimate) / parts.Sum(e => e.Adults), 12);
            }
            Assert.Equal(respondents.Count(r => r.State == state.State), all.Respondents);
        }
    }

    /// <summary>Within every cell half the respondents weigh 1 with p = 0.3, half weigh 3 with p = 0.1: the population's
    /// prevalence is 0.15, the respondents' 0.20.</summary>
    private static (PostStratificationFrame, List<SmallAreaRespondent>) WeightedCells(int seed)
    {
        var (frame, _) = SmallAreaFixtures.Simulate(states: 10, perState: 0, Beta, sigma: 0, seed: seed);
        var random = new Random(seed);
        var respondents = frame.States.SelectMany(s => Enumerable.Range(0, 2000).Select(i =>
        {
            var heavy = i % 2 == 1;
            return new SmallAreaRespondent(s.State, null, random.Next(1, 3), random.Next(1, 5), null, random.NextDouble() < (heavy ? 0.1 : 0.3),
                heavy ? 3 : 1, 1);
        })).ToList();
        return (frame, respondents);
    }

    [Fact]
    public void Calibration_to_the_weights_moves_the_level_to_the_weighted_population_and_is_nothing_with_equal_weights()
    {
        var (frame, respondents) = WeightedCells(seed: 4);
        var plain = SmallAreaModel.Fit(respondents, frame, SmallAreaFixtures.Quick()).Estimate().Where(e => e.Dimension == "all")
            .Average(e => e.Estimate);
        var calibrated = SmallAreaModel.Fit(respondents, frame, SmallAreaFixtures.Quick() with { CalibrateToWeights = true });
        var level = calibrated.Estimate().Where(e => e.Dimension == "all").Average(e => e.Estimate);
        Assert.InRange(plain, 0.19, 0.21);
        Assert.InRange(level, 0.14, 0.16);
        Assert.True(calibrated.Summary.WeightShift.Shift < -0.3, $"shift {calibrated.Summary.WeightShift}");
        var (even, evenRespondents) = SmallAreaFixtures.Simulate(states: 10, perState: 300, Beta, sigma: 0.3, seed: 4);
        var shift = SmallAreaModel.Fit(evenRespondents, even, SmallAreaFixtures.Quick() with { CalibrateToWeights = true }).Summary.WeightShift;
        Assert.Equal(0, shift.Shift, 8);
        Assert.Equal(0, shift.StandardError, 12);
    }

    [Fact]
    public void The_blend_moves_fully_present_states_towards_their_direct_estimates_and_leaves_the_others_alone()
    {
        var (frame, respondents) = WeightedCells(seed: 8);
        // Make one state partial: its own weights are not its population, so its direct estimate is not blended in.
        var partialState = frame.States[0].State;
        frame = new PostStratificationFrame(frame.Scheme,
            frame.States.Select(s => s.State == partialState ? s with { Source = FrameSource.CensusWithPartialWeights, Coverage = 0.5 } : s));
        var options = SmallAreaFixtures.Quick();
        var plain = SmallAreaModel.Fit(respondents, frame, options).Estimate().Where(e => e.Dimension == "all").ToDictionary(e => e.State);
        var model = SmallAreaModel.Fit(respondents, frame, options with { BlendDirect = true });
        var blended = model.Estimate().Where(e => e.Dimension == "all").ToDictionary(e => e.State);
        Assert.Equal(frame.States.Count - 1, model.Summary.BlendedStates);
        Assert.True(model.Summary.BlendVariance >= options.MinimumDiscrepancy * options.MinimumDiscrepancy);
        Assert.Equal(plain[partialState], blended[partialState]);
        foreach (var state in frame.States.Where(s => s.State != partialState))
        {
            var mine = respondents.Where(r => r.State == state.State).ToArray();
            var direct = mine.Sum(r => r.Weight!.Value * (r.FairPoor == true ? 1 : 0)) / mine.Sum(r => r.Weight!.Value);
            var before = plain[state.State].Estimate;
            var after = blended[state.State].Estimate;
            // The model says 0.20 (unweighted, uncalibrated here), the direct estimate about 0.15: the blend goes part of the way.
            Assert.True(Math.Abs(after - direct) < Math.Abs(before - direct) && Math.Abs(after - before) > 0.005,
                $"state {state.State}: {before:0.0000} → {after:0.0000}, direct {direct:0.0000}");
            Assert.True(blended[state.State].StandardError > plain[state.State].StandardError);
        }
    }

    [Fact]
    public void Extract_rows_are_the_population_extract_model_rows_in_percent()
    {
        var (frame, respondents) = SmallAreaFixtures.Simulate(states: 5, perState: 200, Beta, sigma: 0.3, seed: 3);
        frame = new PostStratificationFrame(frame.Scheme, frame.States.Select((s, i) => i == 0 ? s with { Coverage = 0.25 } : s));
        var model = SmallAreaModel.Fit(respondents, frame, SmallAreaFixtures.Quick());
        var estimates = model.Estimate();
        var rows = model.ExtractRows(2016, estimates);
        Assert.Equal(estimates.Count, rows.Count);
        var alabama = rows.First(r => r.GeoFips == "01" && r.GroupDim == "all");
        var estimate = estimates.First(e => e.State == 1 && e.Dimension == "all");
        Assert.Equal(new PopulationEstimate(2016, "state", "01", "AL", "all", "all", "fair_poor_health", "model", 100 * estimate.Estimate,
            100 * estimate.Lower, 100 * estimate.Upper, 100 * estimate.StandardError, estimate.Respondents, estimate.Adults, false, null, 0.25, true,
            model.Version), alabama);
        Assert.Equal("partial: weights cover 25.0 % of the adults", alabama.Caveat);
        Assert.All(rows.Where(r => r.GeoFips != "01"), r => Assert.False(r.Partial));
        Assert.StartsWith("small-area MRP 1: logit, cells sex x education; random state;", model.Version);
    }
}
