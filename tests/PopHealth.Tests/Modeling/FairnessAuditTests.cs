using PopHealth.Modeling;

namespace PopHealth.Tests.Modeling;

[Trait("Category", "Unit")]
public class FairnessAuditTests
{
    /// <summary>
    /// Two sexes × two age bands; in "female · 65+" the scores carry no information (AUC ≈ 0.5), elsewhere they
    /// separate well; a tiny age band (every 100th respondent, all female).
    /// </summary>
    private static (Dictionary<string, string?[]> Dimensions, double[] P, bool[] Y) Population(int n = 8000, int seed = 3)
    {
        var random = new Random(seed);
        var sex = new string?[n];
        var age = new string?[n];
        var p = new double[n];
        var y = new bool[n];
        for (var i = 0; i < n; i++)
        {
            sex[i] = i % 2 == 0 ? "female" : "male";
            age[i] = i % 100 == 0 ? "tiny" : (i / 2) % 2 == 0 ? "18–64" : "65+";
            y[i] = random.NextDouble() < 0.25;
            var informative = !(sex[i] == "female" && age[i] == "65+");
            p[i] = Math.Clamp(informative ? (y[i] ? 0.55 : 0.15) + 0.3 * (random.NextDouble() - 0.5) : random.NextDouble() * 0.6, 0.001, 0.999);
        }
        return (new Dictionary<string, string?[]> { ["sex"] = sex, ["age group"] = age }, p, y);
    }

    private static readonly IReadOnlyList<(string, IReadOnlyList<string>)> SexByAge = [("sex × age", ["sex", "age group"])];

    [Fact]
    public void The_group_the_model_fails_is_reported_as_a_gap_and_small_groups_are_suppressed()
    {
        var (dimensions, p, y) = Population();
        var audit = FairnessAudit.Run(SexByAge, dimensions, p, y, threshold: 0.35,
            options: new AuditOptions(MinimumGroupSize: 200, BootstrapSamples: 100, Seed: 5));
        Assert.Equal(4, audit.Groups.Count);
        Assert.Equal(1, audit.SuppressedGroups); // female · tiny (every 100th respondent, all even: 80)
        Assert.Equal(80, audit.SuppressedRespondents);
        var failed = audit.Groups.Single(g => g.Group == "female · 65+");
        Assert.InRange(failed.Auc.Value, 0.4, 0.6);
        Assert.True(failed.Auc.Upper < audit.Overall.Auc.Value);
        Assert.Contains(audit.Gaps, g => g.Group == "female · 65+" && g.Metric == "AUC" && g.Gap < -0.2);
        Assert.DoesNotContain(audit.Gaps, g => g.Group == "male · 18–64" && g.Metric == "AUC" && g.Gap < 0);
        Assert.All(audit.Groups, g => Assert.True(g.Auc.Lower <= g.Auc.Value && g.Auc.Value <= g.Auc.Upper));
        Assert.Equal(1.0, audit.Groups.Sum(g => g.WeightShare) + 80 / 8000.0, 6);
    }

    [Fact]
    public void Point_estimates_are_the_groups_own_metrics()
    {
        var (dimensions, p, y) = Population();
        var audit = FairnessAudit.Run(SexByAge, dimensions, p, y, threshold: 0.35, options: new AuditOptions(BootstrapSamples: 20));
        var rows = Enumerable.Range(0, p.Length).Where(i => dimensions["sex"][i] == "male" && dimensions["age group"][i] == "65+").ToArray();
        var group = audit.Groups.Single(g => g.Group == "male · 65+");
        var positives = rows.Where(i => y[i]).ToArray();
        Assert.Equal(rows.Length, group.Respondents);
        Assert.Equal(positives.Length / (double)rows.Length, group.Prevalence.Value, 12);
        Assert.Equal(positives.Count(i => p[i] >= 0.35) / (double)positives.Length, group.TruePositiveRate.Value, 12);
        Assert.Equal(rows.Average(i => p[i]) - positives.Length / (double)rows.Length, group.CalibrationInTheLarge.Value, 12);
        Assert.Equal(PopHealth.Workbook.Statistics.Auc(rows.Select(i => p[i]).ToArray(), rows.Select(i => y[i]).ToArray()), group.Auc.Value, 12);
    }

    [Fact]
    public void Weights_change_the_estimates_and_the_same_seed_gives_the_same_intervals()
    {
        var (dimensions, p, y) = Population();
        // Weight up the respondents the model gets wrong: the weighted overall AUC must fall.
        var weights = Enumerable.Range(0, p.Length).Select(i => (y[i] ? p[i] < 0.3 : p[i] > 0.4) ? 5.0 : 1.0).ToArray();
        var options = new AuditOptions(BootstrapSamples: 50, Seed: 11);
        var unweighted = FairnessAudit.Run(SexByAge, dimensions, p, y, 0.35, options: options);
        var weighted = FairnessAudit.Run(SexByAge, dimensions, p, y, 0.35, weights, options);
        Assert.True(weighted.Weighted);
        Assert.True(weighted.Overall.Auc.Value < unweighted.Overall.Auc.Value - 0.02);
        var again = FairnessAudit.Run(SexByAge, dimensions, p, y, 0.35, weights, options);
        Assert.Equal(weighted.Groups.Select(g => g.Auc), again.Groups.Select(g => g.Auc));
    }

    [Fact]
    public void Crossings_on_dimensions_the_source_lacks_are_skipped()
    {
        var (dimensions, p, y) = Population();
        var audit = FairnessAudit.Run(FairnessAudit.StandardCrossings, dimensions, p, y, 0.35, options: new AuditOptions(BootstrapSamples: 10));
        Assert.Empty(audit.Groups); // no income, race or state here
    }
}
