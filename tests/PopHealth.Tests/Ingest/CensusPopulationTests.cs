using System.Security.Cryptography;
using PopHealth.Ingest.Census;

namespace PopHealth.Tests.Ingest;

/// <summary>The shipped Census adult tables: their checksums, the totals their sources state, the bands, and clear refusals.</summary>
public class CensusPopulationTests
{
    private static readonly CensusPopulation Census = CensusPopulation.Shipped;

    [Theory]
    [InlineData("scprc-est2016-18+pop-res.csv", "16e5953d037bd7b7e122d3d9bfa77098a6125f1283b13a91f1f307705806a2ad")]
    [InlineData("sc-est2016-agesex-civ.csv", "414cd8261f0720a0b5938e32e518198d3732480d80f89f71ce52edcd8fbe4176")]
    [InlineData("sc-est2023-agesex-civ.csv", "9ea3dcf173d24ba7e339352b64e060ed8d5ad9ee6b0bad0cd21b566e4ca3e03a")]
    [InlineData("cc-est2023-syasex-72.csv", "7cdea43326562bdab6f57bd08cc5b16801a2d0c633f82a501270bce55a9ce7a2")]
    public void The_shipped_tables_are_the_census_bureaus_files_named_in_sources(string file, string sha256)
    {
        var path = Repo.Path("data", "census", file);
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        Assert.Contains(sha256, File.ReadAllText(Repo.Path("data", "census", "SOURCES.md")));
    }

    [Fact]
    public void Adults_are_the_resident_count_in_2016_and_civilian_ages_summed_otherwise()
    {
        var us2016 = Census.Adults(2016, 0);
        Assert.Equal(249_485_228, us2016.Adults);
        Assert.StartsWith("resident 18+", us2016.Basis);
        Assert.Equal(3_766_477, Census.Adults(2016, 1).Adults);
        Assert.Equal(2_715_435, Census.Adults(2016, 72).Adults);
        var us2023 = Census.Adults(2023, 0);
        Assert.Equal(261_018_748, us2023.Adults);
        Assert.Equal("civilian 18+ (SC-EST2023-AGESEX-CIV)", us2023.Basis);
        Assert.Equal(3_966_537, Census.Adults(2023, 1).Adults);
        Assert.Equal(258_960_528, Census.Adults(2022, 0).Adults);
        Assert.Equal(2_707_012, Census.Adults(2023, 72).Adults);
        Assert.StartsWith("resident 18+ (CC-EST2023-SYASEX", Census.Adults(2023, 72).Basis);
        Assert.Equal([2010, 2011, 2012, 2013, 2014, 2015, 2016, 2020, 2021, 2022, 2023], Census.Years);
        Assert.Equal(53, Census.StatesOf(2016).Count); // the United States, 50 states, DC, Puerto Rico
    }

    [Fact]
    public void Adults_by_age_band_and_sex_add_up_to_the_states_adults()
    {
        // 2016 by age and sex is civilian (the single-year table): its cells add up to the civilian 18+ total, 248,283,865 for the US.
        Assert.Equal(248_283_865, Census.AdultsByAgeSex(2016, 0).Sum(c => c.Adults));
        var alabama = Census.AdultsByAgeSex(2023, 1);
        Assert.Equal(12, alabama.Count);
        Assert.Equal(Census.Adults(2023, 1).Adults, alabama.Sum(c => c.Adults));
        Assert.Equal(Census.Adults(2023, 1).Adults, Census.AdultsByAgeSex(2023, 1, AgeBand.FiveYear).Sum(c => c.Adults));
        Assert.Equal(13, AgeBand.FiveYear.Count);
        Assert.Equal(["18-24", "25-29", "75-79", "80+"], new[] { 0, 1, 11, 12 }.Select(i => AgeBand.FiveYear[i].Label));
        var puertoRico = Census.AdultsByAgeSex(2022, 72);
        Assert.Equal(Census.Adults(2022, 72).Adults, puertoRico.Sum(c => c.Adults));
        var states2023 = Census.AdultsByAgeSex(2023);
        Assert.Equal(52 * 12, states2023.Count); // 50 states, DC and Puerto Rico; the nation left out
        Assert.Equal(Census.Adults(2023, 0).Adults + Census.Adults(2023, 72).Adults, states2023.Sum(c => c.Adults));
    }

    [Fact]
    public void A_year_or_state_the_tables_do_not_hold_is_refused_saying_what_they_hold()
    {
        var guam = Assert.Throws<KeyNotFoundException>(() => Census.Adults(2016, 66));
        Assert.Contains("publishes no population estimate for Guam or the US Virgin Islands", guam.Message);
        Assert.Null(Census.FindAdults(2016, 78, out var why));
        Assert.Contains("US Virgin Islands", why);
        var later = Assert.Throws<KeyNotFoundException>(() => Census.Adults(2024, 6));
        Assert.Contains("No Census adults for California in 2024", later.Message);
        Assert.Contains("for 2010-2016, 2020-2023", later.Message);
        var unknown = Assert.Throws<KeyNotFoundException>(() => Census.Adults(2016, 99));
        Assert.Contains("FIPS 99 is not a state", unknown.Message);
        var noAgeSex = Assert.Throws<KeyNotFoundException>(() => Census.AdultsByAgeSex(2016, 72));
        Assert.Contains("by age and sex for 2020-2023", noAgeSex.Message);
        Assert.Throws<ArgumentException>(() => Census.AdultsByAgeSex(2016, 1, [new AgeBand("15-24", 15, 24)]));
    }
}
