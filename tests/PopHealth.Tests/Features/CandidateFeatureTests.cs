using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Ingest;
using PopHealth.Modeling;
using PopHealth.Steps;
using PopHealth.Tests.Modeling;
using PopHealth.Workbook;

namespace PopHealth.Tests.Features;

/// <summary>The interview month as a candidate feature: read from IMONTH, and kept only when it helps on training respondents.</summary>
[Trait("Category", "Unit")]
public class CandidateFeatureTests
{
    [Fact]
    public void The_improved_recipe_reads_imonth_as_numbers_or_as_cdcs_text_and_leaves_other_values_missing()
    {
        var numbers = new DataFrame(new DoubleDataFrameColumn("_RFHLTH", [1, 2, 1, 2]), new DoubleDataFrameColumn("IMONTH", [1, 12, 13, null]));
        var text = new DataFrame(new DoubleDataFrameColumn("_RFHLTH", [1, 2, 1, 2]), new StringDataFrameColumn("IMONTH", ["01", "12", "xx", null]));
        foreach (var frame in new[] { numbers, text })
        {
            var set = FeatureBuilder.Build(frame, BrfssYearProfile.Llcp2024, Recipe.Improved);
            Assert.Contains(FeatureSet.InterviewMonth, set.FeatureNames);
            Assert.Equal([1.0, 12.0, null, null], set.Values(FeatureSet.InterviewMonth));
        }
        var none = FeatureBuilder.Build(new DataFrame(new DoubleDataFrameColumn("_RFHLTH", [1, 2])), BrfssYearProfile.Llcp2024, Recipe.Improved);
        Assert.DoesNotContain(FeatureSet.InterviewMonth, none.FeatureNames);
    }

    [Fact]
    public void A_feature_that_carries_signal_is_kept_and_noise_is_dropped()
    {
        var data = ModelFixtures.Matrix(4000);
        var train = Enumerable.Range(0, 3000).ToArray();
        var noise = CandidateSelection.Decide(data, train, "noise", seed: 5);
        Assert.False(noise.Kept, noise.Reason);
        Assert.True(noise.Gain < noise.MinimumGain);
        var signal = CandidateSelection.Decide(data, train, "a", seed: 5);
        Assert.True(signal.Kept, signal.Reason);
        Assert.Equal(3, signal.FoldGains.Count);
        Assert.Equal(signal.Gain, signal.FoldGains.Average(), 10); // the folds pair up: equal sizes, the same rows
        Assert.Equal(3000, signal.Rows);
        Assert.Contains("kept", signal.Reason);
    }

    /// <summary>A table whose target depends on feature a and, when <paramref name="seasonal"/>, on the month (winter higher).</summary>
    private static FeatureSet Table(int n, bool seasonal, int seed = 3)
    {
        var random = new Random(seed);
        var a = new double?[n];
        var month = new double?[n];
        var target = new double?[n];
        for (var i = 0; i < n; i++)
        {
            a[i] = random.NextDouble();
            month[i] = random.Next(1, 13);
            var logit = 3 * a[i]!.Value - 2.5 + (seasonal && month[i] is <= 2 or 12 ? 1.5 : 0);
            target[i] = random.NextDouble() < 1 / (1 + Math.Exp(-logit)) ? 1 : 0;
        }
        var frame = new DataFrame(new Int64DataFrameColumn(FeatureSet.RespondentId, Enumerable.Range(1, n).Select(i => (long)i)),
            new DoubleDataFrameColumn("a", a), new DoubleDataFrameColumn(FeatureSet.InterviewMonth, month),
            new DoubleDataFrameColumn(FeatureSet.Target, target));
        return new FeatureSet(Recipe.Improved, "test", frame, [new("a", "A", "test"), new(FeatureSet.InterviewMonth, "IMONTH", "month")], [],
            synthetic: true);
    }

    [Fact]
    public async Task The_decision_uses_only_the_training_respondents_and_is_recorded_in_the_table()
    {
        var set = Table(3000, seasonal: true);
        var decided = TransformStep.DecideCandidates(set, seed: 11);
        var decision = Assert.Single(decided.Candidates);
        Assert.True(decision.Kept, decision.Reason);
        Assert.Contains(FeatureSet.InterviewMonth, decided.FeatureNames);
        var split = TrainingSplits.For(set, ModelMatrix.From(set), 11).Split;
        Assert.Equal(split.Train.Length, decision.Rows);

        // Scrambling the test respondents' months changes nothing: the decision never saw them.
        var months = set.Values(FeatureSet.InterviewMonth);
        foreach (var i in split.Test) months[i] = 13 - months[i];
        var scrambled = set.Table.Clone();
        scrambled.Columns.Remove(FeatureSet.InterviewMonth);
        scrambled.Columns.Add(new DoubleDataFrameColumn(FeatureSet.InterviewMonth, months));
        var again = Assert.Single(TransformStep
            .DecideCandidates(new FeatureSet(set.Recipe, set.ProfileName, scrambled, set.Features, [], true), seed: 11).Candidates);
        Assert.Equal((decision.AucWith, decision.AucWithout), (again.AucWith, again.AucWithout));

        // Without a seasonal effect the month is dropped, from the features and the table, and the file says so.
        var flat = TransformStep.DecideCandidates(Table(3000, seasonal: false), seed: 11);
        Assert.False(flat.Candidates.Single().Kept, flat.Candidates.Single().Reason);
        Assert.DoesNotContain(FeatureSet.InterviewMonth, flat.FeatureNames);
        Assert.False(flat.HasColumn(FeatureSet.InterviewMonth));
        using var temp = Repo.Temp();
        await flat.WriteAsync(temp.File("features.parquet"));
        var read = await FeatureSet.ReadAsync(temp.File("features.parquet"));
        Assert.Equal(flat.Candidates.Single().Reason, Assert.Single(read.Candidates).Reason);
        Assert.Equal(flat.Candidates.Single().FoldGains, read.Candidates.Single().FoldGains);
    }
}
