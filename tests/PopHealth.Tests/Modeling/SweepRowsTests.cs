using System.Collections;
using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Modeling;
using PopHealth.Steps;
using PopHealth.Workbook;

namespace PopHealth.Tests.Modeling;

/// <summary>
/// The rows 04's sweeps use (<see cref="SweepSizing.RowsFor"/>) and their rungs (<see cref="SweepSizing.HalvingFor"/>):
/// the embedded sample keeps its 60,000 rows and three rungs; large data sweeps on a share of its rows, up to a cap, with
/// every rung larger.
/// </summary>
[Trait("Category", "Unit")]
public class SweepRowsTests
{
    [Fact]
    public void The_default_sample_sweeps_on_60000_rows_and_large_data_on_30_percent_of_its_rows_up_to_360000()
    {
        var options = new SweepSizing();
        // The embedded sample: 99,722 respondents, 79,778 of them training rows (the default run's 3-minute budget).
        Assert.Equal(60_000, options.RowsFor(79_778));
        Assert.Equal(60_000, options.RowsFor(200_000)); // 30 % is 60,000: no more
        Assert.Equal(40_000, options.RowsFor(40_000)); // never more rows than there are
        Assert.Equal(150_000, options.RowsFor(500_000)); // 30 %, when that is more than 60,000
        Assert.Equal(360_000, options.RowsFor(1_200_000));
        Assert.Equal(360_000, options.RowsFor(1_218_265)); // the three national years: the cap
        Assert.Equal(365_479, (options with { MaxRows = 400_000 }).RowsFor(1_218_265)); // under a higher cap, the share itself
        Assert.Equal(10_000, (options with { Rows = 10_000 }).RowsFor(20_000));
    }

    [Fact]
    public void More_sweep_rows_give_every_rung_more_rows_not_a_rung_with_one_setting()
    {
        var options = new SweepSizing();
        // The default sample's rungs, as before: the grid's 21 and the search's 24 settings on a ninth, a third and all.
        Assert.Equal([6_666, 20_000, 60_000], options.HalvingFor(60_000).RungRows(60_000, 21));
        Assert.Equal([6_666, 20_000, 60_000], options.HalvingFor(60_000).RungRows(60_000, 24));
        // 360,000 rows: three rungs, each six times larger (not 13,333 → 40,000 → 120,000 → 360,000, the last with a single setting).
        Assert.Equal([40_000, 120_000, 360_000], options.HalvingFor(360_000).RungRows(360_000, 24));
        Assert.Equal([40_000, 120_000, 360_000], options.HalvingFor(360_000).RungRows(360_000, 21));
        Assert.Equal([20_000, 60_000, 180_000], options.HalvingFor(180_000).RungRows(180_000, 21));
        // Few rows: the smallest rung is still at least MinRungRows.
        Assert.Equal([5_000, 15_000], options.HalvingFor(15_000).RungRows(15_000, 24));
        Assert.Equal([12_000], options.HalvingFor(12_000).RungRows(12_000, 24));
    }

    [Fact]
    public async Task The_plan_sweeps_on_the_rows_the_rule_gives_for_its_training_rows()
    {
        using var temp = Repo.Temp();
        var parameters = WorkbookParameters.FromEnvironment(new Hashtable { ["POPHEALTH_DATA"] = temp.Path }, temp.Path);
        await Features(5000).WriteAsync(parameters.ProcessedFeatures);

        var small = await TrainStep.PlanAsync(parameters, new TrainOptions(Sizing: new SweepSizing(Rows: 1000, Share: 0.5, MaxRows: 1500)));
        var large = await TrainStep.PlanAsync(parameters, new TrainOptions(Sizing: new SweepSizing(Rows: 1000, Share: 0.2, MaxRows: 1500)));

        Assert.Equal(4000, small.Split.Train.Length);
        Assert.Equal(1500, small.SweepRows.Length, 1.0); // half of 4,000 is over the cap (stratified: within a row of it)
        Assert.Equal(1000, large.SweepRows.Length, 1.0); // a fifth of 4,000 is under 1,000
        Assert.All(small.SweepRows, i => Assert.Contains(i, small.Split.Train));
        Assert.Contains("(sweeps on 1,500)", small.Describe());
    }

    /// <summary>One year of a made-up problem at the natural prevalence.</summary>
    internal static FeatureSet Features(int n)
    {
        var random = new Random(7);
        var a = new double?[n];
        var target = new double?[n];
        for (var i = 0; i < n; i++)
        {
            a[i] = random.NextDouble();
            target[i] = random.NextDouble() < 1 / (1 + Math.Exp(-(4 * a[i]!.Value - 3))) ? 1 : 0;
        }
        var frame = new DataFrame(new Int64DataFrameColumn(FeatureSet.RespondentId, Enumerable.Range(1, n).Select(i => (long)i)),
            new DoubleDataFrameColumn("a", a), new DoubleDataFrameColumn(FeatureSet.Target, target));
        return new FeatureSet(Recipe.Improved, "test", frame, [new FeatureDefinition("a", "a", "test")], [], synthetic: true);
    }
}
