using PopHealth.Modeling;

namespace PopHealth.Tests.Modeling;

/// <summary>The prepared check the scorer runs on every value agrees with the domain's own rule (codes, or range and margin).</summary>
[Trait("Category", "Unit")]
public class ValueCheckTests
{
    public static TheoryData<FeatureDomain> Domains() =>
    [
        new FeatureDomain("codes", 1, 14, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]),
        new FeatureDomain("sparse codes", 0, 99, [0, 7, 8, 77, 99]),
        new FeatureDomain("negative codes", -3, 2, [-3, -1, 0, 2]),
        new FeatureDomain("fractions", 0.5, 2.5, [0.5, 1, 2.5]),
        new FeatureDomain("wide codes", 1, 1e6, [1, 10, 1e6]),
        new FeatureDomain("measured", 12.02, 97.65, null),
        new FeatureDomain("never seen", double.NaN, double.NaN, null),
    ];

    [Theory]
    [MemberData(nameof(Domains))]
    public void Agrees_with_the_domain_on_every_kind_of_value(FeatureDomain domain)
    {
        var check = domain.Check();
        var random = new Random(3);
        double[] specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0, -0.0, 1e308, -1e308, 2.7, 77, 4095, 4096, 1e6, 1e6 + 1,
            domain.Min, domain.Max, domain.Min - 1e-9, domain.Max * 1.1, domain.Max * 1.1 + 1e-9, double.Epsilon];
        var values = specials.Concat(Enumerable.Range(0, 5000).Select(_ => Math.Round(random.NextDouble() * 240 - 120, random.Next(0, 3))));
        foreach (var v in values)
        {
            var expected = double.IsFinite(v) && (domain.Codes is null ? !domain.IsOutOfRange(v) : domain.Codes.Contains(v));
            Assert.True(expected == check.Accepts(v), $"{domain.Feature}: {v} expected {expected}");
        }
    }
}
