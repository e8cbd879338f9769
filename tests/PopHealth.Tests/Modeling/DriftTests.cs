using PopHealth.Modeling;

namespace PopHealth.Tests.Modeling;

[Trait("Category", "Unit")]
public class DriftTests
{
    [Fact]
    public void Coded_features_get_one_bin_per_code_and_a_missing_share()
    {
        var bins = FeatureBins.From([1, 1, 2, 2, 2, 3, float.NaN, float.NaN], codes: [1, 2, 3]);
        Assert.Equal([1.5, 2.5], bins.Cuts);
        Assert.Equal([2 / 6.0, 3 / 6.0, 1 / 6.0], bins.Shares);
        Assert.Equal(0.25, bins.MissingShare);
    }

    [Fact]
    public void The_same_distribution_is_stable_and_a_hand_computed_shift_matches()
    {
        var bins = new FeatureBins([1.5], [0.5, 0.5], 0);
        Assert.Equal(0, bins.StabilityIndex([1.0, 2.0, 1.0, 2.0]), 12);
        // Actual 80 % / 20 % against expected 50 % / 50 %: (0.8-0.5) ln(0.8/0.5) + (0.2-0.5) ln(0.2/0.5); the empty missing bin adds 0.
        var expected = 0.3 * Math.Log(0.8 / 0.5) + -0.3 * Math.Log(0.2 / 0.5);
        Assert.Equal(expected, bins.StabilityIndex([1.0, 1.0, 1.0, 1.0, 2.0]), 10);
        Assert.Equal("major shift", FeatureDrift.Read(expected)); // 0.416
        Assert.Equal("moderate shift", FeatureDrift.Read(0.12));
        Assert.Equal("stable", FeatureDrift.Read(0.02));
    }

    [Fact]
    public void Measured_features_are_binned_at_deciles_and_a_mean_shift_is_detected()
    {
        var random = new Random(4);
        var training = Enumerable.Range(0, 20_000).Select(_ => (float)(25 + 5 * Normal(random))).ToArray();
        var bins = FeatureBins.From(training, codes: null);
        Assert.Equal(9, bins.Cuts.Length);
        Assert.All(bins.Shares, s => Assert.InRange(s, 0.09, 0.11));
        var same = Enumerable.Range(0, 5000).Select(_ => (double?)(25 + 5 * Normal(random))).ToArray();
        var shifted = Enumerable.Range(0, 5000).Select(_ => (double?)(28 + 5 * Normal(random))).ToArray();
        Assert.True(bins.StabilityIndex(same) < 0.02);
        Assert.True(bins.StabilityIndex(shifted) > 0.25);
        // More unknown answers than in training is drift too.
        var missing = same.Select((v, i) => i % 3 == 0 ? null : v).ToArray();
        Assert.True(bins.StabilityIndex(missing) > 0.25);
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
