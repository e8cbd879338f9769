using PopHealth.Ingest.Census;
using PopHealth.Population.SmallArea;

namespace PopHealth.Tests.Population.SmallArea;

/// <summary>The post-stratification frame: cell counts from Census margins and weights, per state's source, checked by hand.</summary>
[Trait("Category", "Unit")]
public class PostStratificationFrameTests
{
    private static readonly CellScheme Scheme = SmallAreaFixtures.SexEducation;

    private static int Cell(int sex, int education) => Scheme.Cell([sex, education]);

    private static SmallAreaRespondent Person(int state, int sex, int? education, double weight) =>
        new(state, null, sex, education, null, false, weight, 1);

    /// <summary>
    /// Alabama (1) fully present, Alaska (2) partial, Arkansas (5) in the Census without respondents, Puerto Rico (72) fully present
    /// without an age × sex table, Guam (66) with no Census count at all.
    /// </summary>
    private static PostStratificationFrame Frame()
    {
        AdultsCell Census(int state, string age, string sex, double adults) => new(2016, state, age, sex, adults, "test");
        var census = new[]
        {
            Census(1, "18-24", "male", 100), Census(1, "25-29", "male", 300), Census(1, "18-24", "female", 200), Census(1, "80+", "female", 400),
            Census(2, "40-44", "male", 1000), Census(2, "40-44", "female", 1000),
            Census(5, "18-24", "male", 50), Census(5, "18-24", "female", 150),
        };
        var adults = new Dictionary<int, double> { [1] = 1000, [2] = 2000, [5] = 200, [72] = 500 };
        var respondents = new[]
        {
            Person(1, 1, 1, 100), Person(1, 1, 4, 300), Person(1, 2, 2, 600), Person(1, 2, null, 20), // unknown education: coverage only
            Person(2, 1, 3, 200),
            Person(72, 1, 1, 250), Person(72, 2, 4, 250),
            Person(66, 1, 2, 10),
        };
        return PostStratificationFrame.Build(Scheme, respondents, census, adults);
    }

    [Fact]
    public void A_fully_present_state_spreads_its_census_margins_by_its_own_weights()
    {
        var alabama = Frame()[1]!;
        Assert.Equal(FrameSource.CensusWithOwnWeights, alabama.Source);
        Assert.Equal(1.02, alabama.Coverage, 12); // all weights, the unknown-education respondent's too, over the Census adults
        var expected = new double[Scheme.CellCount];
        expected[Cell(1, 1)] = 400 * 100 / 400.0;
        expected[Cell(1, 4)] = 400 * 300 / 400.0;
        expected[Cell(2, 2)] = 600;
        Assert.Equal(expected, alabama.Counts);
        Assert.True(alabama.FullyPresent);
    }

    [Fact]
    public void A_partial_state_mixes_its_own_weights_with_20_pooled_pseudo_respondents_per_margin()
    {
        var alaska = Frame()[2]!;
        Assert.Equal(FrameSource.CensusWithPartialWeights, alaska.Source);
        Assert.Equal(0.1, alaska.Coverage, 12);
        Assert.False(alaska.FullyPresent);
        // Pooled over Alabama and Puerto Rico: male education 1: 100 + 250, education 4: 300; female education 2: 600, education 4: 250.
        // Males: its one respondent (education 3) against 20 pooled; females: none of its own, so the pooled mix.
        Assert.Equal(1000 * 1 / 21.0, alaska.Counts[Cell(1, 3)], 9);
        Assert.Equal(1000 * (20 * 350 / 650.0) / 21, alaska.Counts[Cell(1, 1)], 9);
        Assert.Equal(1000 * (20 * 300 / 650.0) / 21, alaska.Counts[Cell(1, 4)], 9);
        Assert.Equal(1000 * 600 / 850.0, alaska.Counts[Cell(2, 2)], 9);
        Assert.Equal(1000 * 250 / 850.0, alaska.Counts[Cell(2, 4)], 9);
        Assert.Equal(2000, alaska.Adults, 9);
    }

    [Fact]
    public void A_state_without_respondents_uses_the_pooled_weights_of_the_fully_present_states()
    {
        var arkansas = Frame()[5]!;
        Assert.Equal(FrameSource.CensusWithPooledWeights, arkansas.Source);
        Assert.Equal(0, arkansas.Coverage);
        Assert.Equal(50 * 350 / 650.0, arkansas.Counts[Cell(1, 1)], 9);
        Assert.Equal(50 * 300 / 650.0, arkansas.Counts[Cell(1, 4)], 9);
        Assert.Equal(150 * 600 / 850.0, arkansas.Counts[Cell(2, 2)], 9);
        Assert.Equal(150 * 250 / 850.0, arkansas.Counts[Cell(2, 4)], 9);
        Assert.Equal(200, arkansas.Adults, 9);
    }

    [Fact]
    public void Without_a_census_age_sex_table_the_state_own_or_pooled_cells_are_scaled_to_its_adults_or_taken_as_they_are()
    {
        var frame = Frame();
        var puertoRico = frame[72]!;
        Assert.Equal(FrameSource.OwnWeightsScaledToCensusAdults, puertoRico.Source);
        Assert.Equal(250, puertoRico.Counts[Cell(1, 1)], 9);
        Assert.Equal(250, puertoRico.Counts[Cell(2, 4)], 9);
        var guam = frame[66]!;
        Assert.Equal(FrameSource.OwnWeightsOnly, guam.Source);
        Assert.True(double.IsNaN(guam.Coverage));
        Assert.Equal(10, guam.Counts[Cell(1, 2)]);
        Assert.Equal(10, guam.Adults);
        Assert.Equal([1, 2, 5, 66, 72], frame.States.Select(s => s.State));
    }

    [Fact]
    public void The_csv_for_peers_lists_every_populated_cell_with_its_levels_and_source()
    {
        using var folder = Repo.Temp();
        var path = folder.File("frame.csv");
        Frame().WriteCsv(path);
        var lines = File.ReadAllLines(path);
        Assert.Equal("state,source,sex,education,adults", lines[0]);
        Assert.Contains("1,CensusWithOwnWeights,1,4,300", lines);
        Assert.Contains("66,OwnWeightsOnly,1,2,10", lines);
        Assert.Equal(3 + 5 + 4 + 2 + 1, lines.Length - 1);
    }

    [Fact]
    public void A_census_cell_in_another_band_or_sex_is_refused_by_name()
    {
        var bad = new[] { new AdultsCell(2016, 1, "18-44", "male", 10, "test") };
        var error = Assert.Throws<ArgumentException>(() =>
            PostStratificationFrame.Build(Scheme, [Person(1, 1, 1, 1)], bad, new Dictionary<int, double>()));
        Assert.Contains("'18-44'", error.Message);
        var sex = new[] { new AdultsCell(2016, 1, "18-24", "both", 10, "test") };
        Assert.Contains("'both'",
            Assert.Throws<ArgumentException>(() => PostStratificationFrame.Build(Scheme, [Person(1, 1, 1, 1)], sex, new Dictionary<int, double>()))
                .Message);
    }
}
