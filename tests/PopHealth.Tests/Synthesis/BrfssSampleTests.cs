using PopHealth.Ingest;
using PopHealth.Ingest.Codebook;
using PopHealth.Synthesis;

using PopHealth.Workbook;

namespace PopHealth.Tests.Synthesis;

[Trait("Category", "Integration")]
public class BrfssSampleTests
{
    private const int Rows = 100_000;
    private static readonly Lazy<ColumnBatch> Sample = new(() => BrfssSample.Generate(Rows, seed: 20240601));

    [Fact]
    public void Every_codebook_variable_has_its_2024_shares_within_two_points()
    {
        var batch = Sample.Value;
        var codebook = BrfssCodebook.Year2024;
        var total = codebook.Entries("_RFHLTH").Sum(e => e.Frequency);
        var checkedVariables = new List<string>();
        foreach (var variable in codebook.Variables.Where(v => batch.IndexOf(v) >= 0))
        {
            var values = batch.Numeric(batch.IndexOf(variable));
            foreach (var entry in codebook.Entries(variable))
            {
                var expected = entry.Frequency / (double)total;
                var actual = values.Count(v => entry.Range is null ? v is null : v is { } x && entry.Covers(x)) / (double)Rows;
                Assert.True(Math.Abs(actual - expected) <= 0.02,
                    $"{variable} {entry.Code} ({entry.Label}): sample {actual:P2}, codebook {expected:P2}");
            }
            checkedVariables.Add(variable);
        }
        Assert.Superset(new HashSet<string>(["GENHLTH", "_RFHLTH", "POORHLTH", "_AGEG5YR", "_SEX", "EDUCA", "INCOME3", "_BMI5", "_BMI5CAT",
            "_SMOKER3", "DRNKANY6", "CHILDREN", "HHADULT", "NUMADULT", "_STATE", "_MICHD", "_DRDXAR2", "_EDUCAG", "_INCOMG1", "_CHLDCNT",
            "_AGE65YR", .. BrfssYearProfile.ConditionItems]),
            checkedVariables.ToHashSet());
    }

    [Fact]
    public void Weighted_state_shares_follow_the_codebook()
    {
        var batch = Sample.Value;
        var state = batch.Numeric(batch.IndexOf("_STATE"));
        var weight = batch.Numeric(batch.IndexOf("_LLCPWT"));
        var totalWeight = weight.Sum(w => w!.Value);
        foreach (var fips in new double[] { 6, 36, 48 }) // California, New York, Texas
        {
            var entry = BrfssCodebook.Year2024.Entries("_STATE").Single(e => e.Covers(fips));
            var share = Enumerable.Range(0, Rows).Where(i => state[i] == fips).Sum(i => weight[i]!.Value) / totalWeight;
            Assert.InRange(share * 100, entry.WeightedPercentage!.Value * 0.85, entry.WeightedPercentage!.Value * 1.15);
        }
        Assert.All(batch.Numeric(batch.IndexOf("_STSTR")).Zip(state), p => Assert.Equal(p.Second, Math.Floor(p.First!.Value / 1000)));
    }

    [Fact]
    public void Derived_variables_agree_with_their_sources_and_the_sample_is_deterministic()
    {
        var batch = Sample.Value;
        var genhlth = batch.Numeric(batch.IndexOf("GENHLTH"));
        var rfhlth = batch.Numeric(batch.IndexOf("_RFHLTH"));
        Assert.All(Enumerable.Range(0, Rows), i => Assert.Equal(genhlth[i] is 4 or 5 ? 2 : genhlth[i] is >= 1 and <= 3 ? 1 : 9, rfhlth[i]));
        var bmi = batch.Numeric(batch.IndexOf("_BMI5"));
        var category = batch.Numeric(batch.IndexOf("_BMI5CAT"));
        Assert.All(Enumerable.Range(0, Rows),
            i => Assert.Equal(bmi[i] is null ? null : bmi[i] < 1850 ? 1 : bmi[i] < 2500 ? 2 : bmi[i] < 3000 ? 3 : 4, category[i]));
        var adults = batch.Numeric(batch.IndexOf("HHADULT"));
        var landline = batch.Numeric(batch.IndexOf("NUMADULT"));
        Assert.All(Enumerable.Range(0, Rows), i => Assert.True(adults[i] is null != landline[i] is null));
        var once = BrfssSample.Generate(2000, seed: 20240601);
        var again = BrfssSample.Generate(2000, seed: 20240601);
        Assert.Equal(once.Numeric(once.IndexOf("INCOME3")), again.Numeric(again.IndexOf("INCOME3")));
        Assert.Equal(once.Numeric(once.IndexOf("_LLCPWT")), again.Numeric(again.IndexOf("_LLCPWT")));
        var other = BrfssSample.Generate(2000, seed: 1);
        Assert.NotEqual(again.Numeric(again.IndexOf("INCOME3")), other.Numeric(other.IndexOf("INCOME3")));
    }

    [Fact]
    public async Task The_sample_as_XPT_converts_with_the_2024_profile_and_says_it_is_synthetic()
    {
        using var temp = Repo.Temp();
        var xpt = temp.File("raw/LLCP2024-sample.XPT");
        BrfssSample.WriteXpt(xpt, 3000, seed: 3);
        var report = await BrfssConverter.ConvertAsync(xpt, temp.File("interim/brfss.parquet"), new ConversionOptions(Synthetic: true));
        Assert.Equal("LLCP2024", report.Profile.Name);
        Assert.Equal(3000, report.Rows);
        Assert.True(report.Synthetic);
        Assert.All(report.Features(), f => Assert.Equal(FeatureSupport.Exact, f.Support));
        var table = await BrfssTable.ReadAsync(temp.File("interim/brfss.parquet"));
        Assert.True(table.Synthetic);
    }

    [Fact]
    public async Task A_gradient_boosted_model_on_the_sample_is_as_predictive_as_on_real_data()
    {
        using var temp = Repo.Temp();
        var xpt = temp.File("raw/sample.XPT");
        BrfssSample.WriteXpt(xpt, 40_000, seed: 11);
        await BrfssConverter.ConvertAsync(xpt, temp.File("interim.parquet"), new ConversionOptions(Synthetic: true));
        var features = await PopHealth.Features.FeatureBuilder.BuildAsync(temp.File("interim.parquet"), PopHealth.Workbook.Recipe.Improved);
        var data = PopHealth.Modeling.ModelMatrix.From(features);
        var split = PopHealth.Modeling.Splits.Stratified(data.Labels, seed: 11);
        var model = PopHealth.Modeling.TrainedModel.Fit(data.Subset(split.Train),
            new PopHealth.Modeling.ModelSpec(PopHealth.Modeling.TrainerKind.LightGbm, 200, 31, LearningRate: 0.05), seed: 11);
        var test = data.Subset(split.Test);
        var auc = Statistics.Auc(model.Probabilities(test.Rows), test.Labels);
        Assert.InRange(auc, 0.75, 0.88); // real data: 0.79–0.84
    }

    [Fact]
    public void Shipped_dependence_holds_only_aggregates()
    {
        var copula = BrfssSample.ShippedDependence();
        Assert.All(copula.Marginals, m => Assert.True(m.Values.Length <= 201, $"{m.Column} stores {m.Values.Length} values"));
        // Fair/poor health goes with lower income and with arthritis (code 1 = yes) in the fitted dependence.
        Assert.True(copula.CorrelationOf("GENHLTH", "INCOME3") < -0.2);
        Assert.True(copula.CorrelationOf("GENHLTH", "HAVARTH4") < -0.2);
    }
}
