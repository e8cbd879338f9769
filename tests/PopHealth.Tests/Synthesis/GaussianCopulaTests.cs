using Microsoft.Data.Analysis;
using PopHealth.Synthesis;

namespace PopHealth.Tests.Synthesis;

[Trait("Category", "Unit")]
public class GaussianCopulaTests
{
    /// <summary>x continuous, level = a 3-level code rising with x, flag = 1/2 independent, y missing whenever x &gt; 1.</summary>
    private static DataFrame Data(int n, double rho, int seed)
    {
        var random = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var x = new double?[n];
        var level = new double?[n];
        var flag = new double?[n];
        var y = new double?[n];
        for (var i = 0; i < n; i++)
        {
            var a = Gauss();
            var b = rho * a + Math.Sqrt(1 - rho * rho) * Gauss();
            x[i] = Math.Exp(a); // skewed
            level[i] = b < -0.5 ? 1 : b < 0.7 ? 2 : 3;
            flag[i] = random.NextDouble() < 0.3 ? 1 : 2;
            y[i] = a > 0 ? null : Gauss();
        }
        return new DataFrame(new DoubleDataFrameColumn("x", x), new DoubleDataFrameColumn("level", level),
            new DoubleDataFrameColumn("flag", flag), new DoubleDataFrameColumn("y", y));
    }

    private static double?[] Col(DataFrame f, string name) =>
        Enumerable.Range(0, (int)f.Rows.Count).Select(i => ((DoubleDataFrameColumn)f.Columns[name])[i]).ToArray();

    private static double Spearman(double?[] a, double?[] b)
    {
        var rows = Enumerable.Range(0, a.Length).Where(i => a[i] is not null && b[i] is not null).ToArray();
        double[] Ranks(double?[] v)
        {
            var values = rows.Select(i => v[i]!.Value).ToArray();
            var sorted = values.Order().ToArray();
            return values.Select(x => (Array.IndexOf(sorted, x) + Array.LastIndexOf(sorted, x)) / 2.0).ToArray();
        }
        var ra = Ranks(a);
        var rb = Ranks(b);
        double ma = ra.Average(), mb = rb.Average();
        return ra.Zip(rb).Sum(p => (p.First - ma) * (p.Second - mb)) / Math.Sqrt(ra.Sum(v => (v - ma) * (v - ma)) * rb.Sum(v => (v - mb) * (v - mb)));
    }

    [Fact]
    public void Sampled_rows_keep_marginals_dependence_and_missingness()
    {
        var real = Data(4000, 0.7, 1);
        var copula = GaussianCopula.Fit(real);
        Assert.Equal(MarginalKind.Continuous, copula.Marginals.Single(m => m.Column == "x").Kind);
        Assert.Equal(MarginalKind.Categorical, copula.Marginals.Single(m => m.Column == "level").Kind);
        Assert.Contains("y" + GaussianCopula.MissingSuffix, copula.LatentColumns);
        var synthetic = copula.Sample(4000, seed: 5);

        // Category shares and continuous quantiles match.
        foreach (var code in new double[] { 1, 2, 3 })
            Assert.InRange(Col(synthetic, "level").Count(v => v == code) / 4000.0 - Col(real, "level").Count(v => v == code) / 4000.0, -0.03, 0.03);
        var realMedian = Col(real, "x").Order().ElementAt(2000)!.Value;
        var synthMedian = Col(synthetic, "x").Order().ElementAt(2000)!.Value;
        Assert.InRange(synthMedian / realMedian, 0.9, 1.1);
        // Rank dependence kept (x with level); independence kept (x with flag).
        Assert.InRange(Spearman(Col(synthetic, "x"), Col(synthetic, "level")), Spearman(Col(real, "x"), Col(real, "level")) - 0.06,
            Spearman(Col(real, "x"), Col(real, "level")) + 0.06);
        Assert.InRange(Spearman(Col(synthetic, "x"), Col(synthetic, "flag")), -0.05, 0.05);
        // y is missing for large x in the real data; the synthetic data keep that relation.
        var x = Col(synthetic, "x");
        var y = Col(synthetic, "y");
        var missingWhenLarge = Enumerable.Range(0, 4000).Where(i => x[i] > 2).Average(i => y[i] is null ? 1.0 : 0.0);
        var missingWhenSmall = Enumerable.Range(0, 4000).Where(i => x[i] < 0.5).Average(i => y[i] is null ? 1.0 : 0.0);
        Assert.InRange(y.Count(v => v is null) / 4000.0, 0.45, 0.55);
        Assert.True(missingWhenLarge > 0.8 && missingWhenSmall < 0.2, $"missing when x large {missingWhenLarge:F2}, small {missingWhenSmall:F2}");
    }

    [Fact]
    public void Same_seed_same_rows_and_save_load_round_trips()
    {
        using var temp = Repo.Temp();
        var copula = GaussianCopula.Fit(Data(500, 0.5, 2));
        Assert.Equal(Col(copula.Sample(300, 9), "x"), Col(copula.Sample(300, 9), "x"));
        Assert.NotEqual(Col(copula.Sample(300, 9), "x"), Col(copula.Sample(300, 10), "x"));
        var path = temp.File("synth/copula.json");
        copula.Save(path);
        var loaded = GaussianCopula.Load(path);
        Assert.Equal(copula.LatentColumns, loaded.LatentColumns);
        Assert.Equal(Col(copula.Sample(300, 9), "level"), Col(loaded.Sample(300, 9), "level"));
        File.WriteAllText(path, "{\"Marginals\": 3}");
        Assert.Contains("copula.json", Assert.Throws<InvalidDataException>(() => GaussianCopula.Load(path)).Message);
    }

    [Fact]
    public void Replaced_marginals_and_a_child_column()
    {
        var copula = GaussianCopula.Fit(Data(2000, 0.6, 3));
        var shifted = copula.WithMarginals([Marginal.Categorical("level", [1, 2, 3], [0.1, 0.1, 0.8], 0)]);
        Assert.InRange(Col(shifted.Sample(5000, 1), "level").Count(v => v == 3) / 5000.0, 0.77, 0.83);
        var withChild = copula.WithChild(Marginal.Categorical("child", [0, 1], [1, 1], 0), "x", 0.9);
        Assert.Equal(0.9, withChild.CorrelationOf("x", "child"), 12);
        Assert.Equal(0.9 * copula.CorrelationOf("x", "level"), withChild.CorrelationOf("level", "child"), 12);
        var sample = withChild.Sample(3000, 2);
        Assert.True(Spearman(Col(sample, "x"), Col(sample, "child")) > 0.6);
        Assert.Throws<ArgumentException>(() => copula.WithMarginals([Marginal.Categorical("nope", [1], [1], 0)]));
        Assert.Throws<ArgumentException>(() => copula.WithChild(Marginal.Categorical("x", [1], [1], 0), "level", 0.5));
    }

    [Fact]
    public void Bad_inputs_are_named()
    {
        var frame = new DataFrame(new DoubleDataFrameColumn("a", [1.0, 2.0, 3.0]), new StringDataFrameColumn("s", ["x", "y", "z"]));
        Assert.Contains("'s'", Assert.Throws<ArgumentException>(() => GaussianCopula.Fit(frame, new CopulaOptions(Columns: ["a", "s"]))).Message);
        Assert.Contains("'b'", Assert.Throws<ArgumentException>(() => GaussianCopula.Fit(frame, new CopulaOptions(Columns: ["b"]))).Message);
        var empty = new DataFrame(new DoubleDataFrameColumn("a", new double?[] { null, null, null }));
        Assert.Contains("no known values", Assert.Throws<ArgumentException>(() => GaussianCopula.Fit(empty)).Message);
        Assert.Throws<ArgumentException>(() => Marginal.Continuous("c", [3, 2, 1], 0));
        Assert.Throws<ArgumentException>(() => Marginal.Categorical("c", [1, 2], [1], 0));
    }
}
