using PopHealth.Features;
using PopHealth.Ingest;
using PopHealth.Ingest.Census;
using PopHealth.Population.SmallArea;

namespace PopHealth.Tests.Population.SmallArea;

/// <summary>
/// Real data (the shipped 2016 extract and Census tables; runs in CI): the frame's sources and totals, and the model's state
/// estimates against the direct ones where the whole sample is present. Fewer draws than the default keep it to seconds.
/// </summary>
[Trait("Category", "RealData")]
public class RealSmallAreaTests
{
    private static readonly Lazy<Task<(IReadOnlyList<SmallAreaRespondent> Respondents, PostStratificationFrame Frame)>> Data = new(async () =>
    {
        var table = await BrfssTable.ReadAsync(await RealData.Interim2016());
        var scheme = CellScheme.For(table.Profile);
        var respondents = SmallAreaRespondents.FromBrfss(table, scheme);
        return (respondents, PostStratificationFrame.Build(scheme, respondents, CensusPopulation.Shipped, 2016));
    });

    private static readonly int[] FullyPresent2016 = [1, 2, 4, 6, 9, 10, 11, 13, 15, 16, 18, 19, 21, 22, 25, 26, 28, 29, 31, 32, 34, 35, 37, 38, 39,
        41, 42, 44, 46, 47, 49, 50, 53, 55, 56, 72];

    [Fact]
    public async Task Respondents_keep_every_row_with_unknowns_as_cdc_codes_them()
    {
        var (respondents, _) = await Data.Value;
        Assert.Equal(356_581, respondents.Count);
        Assert.Equal(4_632, respondents.Count(r => r.Age is null));        // _AGEG5YR 14
        Assert.Equal(60, respondents.Count(r => r.Sex is null));           // SEX 9
        Assert.Equal(1_200, respondents.Count(r => r.Education is null));  // _EDUCAG 9
        Assert.Equal(25_838 + 30_368 + 2_273, respondents.Count(r => r.Income == 7)); // INCOME2 77, 99, blank
        Assert.Equal(66_852, respondents.Count(r => r.FairPoor == true));
        Assert.Equal(902, respondents.Count(r => r.FairPoor is null));
    }

    [Fact]
    public async Task The_2016_frame_says_where_each_state_cells_come_from_and_keeps_the_census_totals()
    {
        var (_, frame) = await Data.Value;
        Assert.Equal(54, frame.States.Count);
        Assert.Equal(FullyPresent2016, frame.States.Where(s => s.FullyPresent).Select(s => s.State));
        Assert.Equal(FrameSource.CensusWithPartialWeights, frame[24]!.Source); // Maryland: 2.6 % of its adults' weights
        Assert.Equal(FrameSource.OwnWeightsScaledToCensusAdults, frame[72]!.Source);
        Assert.Equal(FrameSource.OwnWeightsOnly, frame[66]!.Source);
        Assert.Equal(FrameSource.OwnWeightsOnly, frame[78]!.Source);
        Assert.Equal(0.0256, frame[24]!.Coverage, 3);
        foreach (var state in frame.States.Where(s => s.Source is FrameSource.CensusWithOwnWeights or FrameSource.CensusWithPartialWeights))
            Assert.Equal(CensusPopulation.Shipped.AdultsByAgeSex(2016, state.State).Sum(c => c.Adults), state.Adults, 3);
        Assert.Equal(CensusPopulation.Shipped.Adults(2016, 72).Adults, frame[72]!.Adults, 3);
    }

    [Fact]
    public async Task State_estimates_agree_with_the_direct_estimates_of_fully_present_states()
    {
        var (respondents, frame) = await Data.Value;
        var model = SmallAreaModel.Fit(respondents, frame, new SmallAreaOptions(Draws: 300, VarianceProposals: 60));
        var estimates = model.Estimate().Where(e => e.Dimension == "all").ToDictionary(e => e.State);
        Assert.Equal(54, estimates.Count);
        var full = respondents.Where(r => FullyPresent2016.Contains(r.State)).ToArray();
        var direct = SurveyEstimates.Prevalence(full.Select(r => r.FairPoor is { } y ? (double?)(y ? 1 : 0) : null).ToArray(),
            full.Select(r => r.Weight).ToArray(),
            full.Select(r => (string?)r.State.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            full.Select(r => r.Stratum).ToArray());
        var covered = 0;
        foreach (var d in direct)
        {
            var e = estimates[int.Parse(d.Group, System.Globalization.CultureInfo.InvariantCulture)];
            Assert.True(Math.Abs(e.Estimate - d.Prevalence) < 0.015, $"state {d.Group}: model {e.Estimate:P2}, direct {d.Prevalence:P2}");
            if (e.Lower <= d.Prevalence && d.Prevalence <= e.Upper) covered++;
        }
        Assert.True(covered >= 32, $"{covered} of 36 intervals cover the direct estimate");
        Assert.Equal(36, model.Summary.BlendedStates);
        Assert.All(estimates.Values,
            e => Assert.True(e.Lower < e.Estimate && e.Estimate < e.Upper && e.Upper - e.Lower < 0.08, $"state {e.State}: {e}"));
    }
}
