using System.Globalization;
using PopHealth.Features;

namespace PopHealth.Population.SmallArea;

public sealed partial class SmallAreaModel
{
    /// <summary>The blend of each fully present state's model draws with its direct estimate (<see cref="DirectBlend"/>).</summary>
    private (StateBlend?[] Blends, double Tau2) Blends()
    {
        var all = new SmallAreaGroup(PopulationEstimate.AllGroups, PopulationEstimate.AllGroups,
            Enumerable.Range(0, Frame.Scheme.CellCount).ToArray());
        var (values, _) = PostStratify([all], null);
        var direct = DirectByKey(r => r.State.ToString(CultureInfo.InvariantCulture));
        var byState = stateCodes.Select(code => direct.GetValueOrDefault(code.ToString(CultureInfo.InvariantCulture))).ToArray();
        return DirectBlend.Estimate(values, draws.Count, byState, Options.MinimumDiscrepancy);
    }

    /// <summary>
    /// The same blend for state × group estimates, one τ per group dimension (age, sex, each crossing …): each fully present
    /// state's group draws move by λ·D plus the believed discrepancy's spread, on the prevalence scale. A group's direct
    /// estimate counts the state's respondents whose cell is known and in the group. Returns τ per dimension.
    /// </summary>
    private Dictionary<string, double> BlendGroups(IReadOnlyList<SmallAreaGroup> groups, double[] values)
    {
        var tau = new Dictionary<string, double>();
        var count = draws.Count;
        var noise = new Random(Options.Seed + 2);
        foreach (var dimension in groups.Select(g => g.Dimension).Distinct().Where(d => d != PopulationEstimate.AllGroups))
        {
            var members = Enumerable.Range(0, groups.Count).Where(g => groups[g].Dimension == dimension).ToArray();
            var labelOfCell = new string?[Frame.Scheme.CellCount];
            foreach (var g in members) foreach (var c in groups[g].Cells) labelOfCell[c] = groups[g].Label;
            var direct = DirectByKey(r => r.CellIn(Frame.Scheme) is { } c && labelOfCell[c] is { } label ? Key(r.State, label) : null);
            var units = new DirectEstimate?[stateCodes.Length * members.Length];
            var unitDraws = new double[units.Length * count];
            for (var s = 0; s < stateCodes.Length; s++)
                for (var m = 0; m < members.Length; m++)
                {
                    units[s * members.Length + m] = direct.GetValueOrDefault(Key(stateCodes[s], groups[members[m]].Label));
                    Array.Copy(values, (s * groups.Count + members[m]) * count, unitDraws, (s * members.Length + m) * count, count);
                }
            var (blends, tau2) = DirectBlend.Estimate(unitDraws, count, units, Options.MinimumDiscrepancy);
            tau[dimension] = Math.Sqrt(tau2);
            for (var u = 0; u < units.Length; u++)
            {
                var start = (u / members.Length * groups.Count + members[u % members.Length]) * count;
                for (var d = 0; d < count; d++)
                {
                    var z = Gaussian.Next(noise);
                    if (blends[u] is { } blend && !double.IsNaN(values[start + d]))
                        values[start + d] = Math.Clamp(values[start + d] + blend.Weight * blend.Discrepancy + blend.NoiseDeviation * z, 0, 1);
                }
            }
        }
        return tau;
    }

    private static string Key(int state, string label) => string.Create(CultureInfo.InvariantCulture, $"{state}|{label}");

    /// <summary>Direct estimates of the fully present states' respondents by <paramref name="key"/> (null: left out), with each
    /// key's respondents and Kish design effect.</summary>
    private Dictionary<string, DirectEstimate> DirectByKey(Func<SmallAreaRespondent, string?> key)
    {
        var fully = Respondents.Where(r => Frame[r.State]?.FullyPresent == true && r.FairPoor is not null && r.Weight is > 0).ToArray();
        var keys = fully.Select(key).ToArray();
        var estimates = SurveyEstimates.Prevalence(fully.Select(r => (double?)(r.FairPoor == true ? 1 : 0)).ToArray(),
            fully.Select(r => r.Weight).ToArray(), keys, fully.Select(r => r.Stratum).ToArray());
        var effects = fully.Select((r, i) => (Key: keys[i], Weight: r.Weight!.Value)).Where(x => x.Key is not null).GroupBy(x => x.Key!)
            .ToDictionary(g => g.Key, g => DesignEffect(g.Select(x => x.Weight).ToArray()));
        return estimates.ToDictionary(e => e.Group, e => new DirectEstimate(e.Prevalence, e.Respondents, effects[e.Group]));
    }

    /// <summary>Kish's design effect of unequal weights, 1 + CV².</summary>
    private static double DesignEffect(double[] weights)
    {
        double mean = weights.Average(), squares = weights.Average(w => w * w);
        return squares / (mean * mean);
    }
}
