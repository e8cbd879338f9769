using System.Globalization;
using PopHealth.Ingest;
using PopHealth.Population.SmallArea;

namespace PopHealth.Tests.Population.SmallArea;

/// <summary>Small-area test data: the lme4 fixture (tests/fixtures/population/small-area) and seeded simulations.</summary>
internal static class SmallAreaFixtures
{
    /// <summary>Quick settings for tests: few draws and proposals, no blend or calibration unless a test asks.</summary>
    public static SmallAreaOptions Quick(IReadOnlyList<string>? covariates = null, IReadOnlyList<string>? groupEffects = null, int seed = 7) =>
        new(covariates ?? [], groupEffects ?? [], Draws: 200, VarianceProposals: 40, Seed: seed, CalibrateToWeights: false, BlendDirect: false);

    public static CellScheme SexEducation => CellScheme.For(BrfssYearProfile.Llcp2016, [CellScheme.Sex, CellScheme.Education]);

    private static IEnumerable<string[]> Rows(string file) =>
        File.ReadLines(Repo.Path("tests", "fixtures", "population", "small-area", file)).Skip(1).Select(l => l.Split(','));

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>The fixture's cells as respondents (k in fair or poor health, m − k not; weight 1, one stratum).</summary>
    public static List<SmallAreaRespondent> Lme4Respondents() => Rows("lme4_cells.csv").SelectMany(f =>
        Enumerable.Range(0, Int(f[4])).Select(i => new SmallAreaRespondent(Int(f[0]), null, Int(f[1]), Int(f[2]), null, i < Int(f[3]), 1, 1)))
            .ToList();

    /// <summary>The fixture's frame, every state fully present.</summary>
    public static PostStratificationFrame Lme4Frame()
    {
        var scheme = SexEducation;
        var frames = Rows("lme4_frame.csv").GroupBy(f => Int(f[0])).Select(g =>
        {
            var counts = new double[scheme.CellCount];
            foreach (var f in g) counts[scheme.Cell([Int(f[1]), Int(f[2])])] = double.Parse(f[3], CultureInfo.InvariantCulture);
            return new StateFrame(g.Key, FrameSource.CensusWithOwnWeights, 1, counts);
        });
        return new PostStratificationFrame(scheme, frames);
    }

    /// <summary>lme4's estimates of one model: parameter name → value.</summary>
    public static Dictionary<string, double> Lme4Fit(string model) => Rows("lme4_fit.csv").Where(f => f[0] == model)
        .ToDictionary(f => f[1], f => double.Parse(f[2], CultureInfo.InvariantCulture));

    /// <summary>
    /// A seeded population: <paramref name="states"/> states over sex × education cells with random frame counts, respondents
    /// drawn from logit(p) = β₀ + sex + education + u_state (u ~ N(0, σ²)); <paramref name="emptyStates"/> more states in the frame
    /// with no respondent.
    /// </summary>
    public static (PostStratificationFrame Frame, List<SmallAreaRespondent> Respondents) Simulate(int states, int perState, double[] beta,
        double sigma, int seed, int emptyStates = 0)
    {
        var scheme = SexEducation;
        var random = new Random(seed);
        var codes = PopHealth.Population.UsStates.All.Select(s => s.Fips).Take(states + emptyStates).ToArray();
        var frames = codes.Select(code => new StateFrame(code, FrameSource.CensusWithOwnWeights, 1,
            Enumerable.Range(0, scheme.CellCount).Select(_ => 1000 + 9000 * random.NextDouble()).ToArray())).ToList();
        var respondents = new List<SmallAreaRespondent>();
        foreach (var code in codes.Take(states))
        {
            var u = sigma * Normal(random);
            for (var i = 0; i < perState; i++)
            {
                int sex = random.Next(1, 3), education = random.Next(1, 5);
                var eta = beta[0] + (sex == 2 ? beta[1] : 0) + (education > 1 ? beta[education] : 0) + u;
                respondents.Add(new SmallAreaRespondent(code, null, sex, education, null, random.NextDouble() < 1 / (1 + Math.Exp(-eta)), 1, 1));
            }
        }
        return (new PostStratificationFrame(scheme, frames), respondents);
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
