using PopHealth.Modeling;

namespace PopHealth.Tests.Modeling;

/// <summary>A made-up classification problem with a known signal, some unknown values and 4 features.</summary>
internal static class ModelFixtures
{
    public static ModelMatrix Matrix(int n, int seed = 1)
    {
        var random = new Random(seed);
        var rows = new float[n][];
        var labels = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var a = (float)random.NextDouble();
            var b = (float)random.Next(1, 6);
            var c = random.NextDouble() < 0.1 ? float.NaN : (float)random.NextDouble();
            var noise = (float)random.NextDouble();
            rows[i] = [a, b, c, noise];
            var logit = 3 * a + 0.6 * b - 3 + (float.IsNaN(c) ? 1 : 2 * c - 1);
            labels[i] = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
        }
        return new ModelMatrix(["a", "b", "c", "noise"], rows, labels, Enumerable.Range(1, n).Select(i => (long)i).ToArray());
    }
}
