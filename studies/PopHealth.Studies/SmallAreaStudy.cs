using System.Diagnostics;
using System.Globalization;
using System.Text;
using PopHealth.Population.SmallArea;
using PopHealth.Workbook;

namespace PopHealth.Studies;

/// <summary>
/// Validation of the small-area estimates on real 2016 data: every fully present state is subsampled to n respondents at once
/// (seeded), the model is fitted on that draw alone, and each state's direct and model-based estimates are compared with the
/// state's full-sample direct estimate. The draws are written to files so that the lme4 peer (mrp_lme4.R) fits the same ones.
/// </summary>
internal static class SmallAreaStudy
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string command, string[] args)
    {
        var options = Arguments(args);
        string work = options.GetValueOrDefault("work", "studies/small-area/work"), results =
            options.GetValueOrDefault("results", "studies/small-area/results");
        var extract = options.GetValueOrDefault("extract", "data/brfss-real/brfss2016_llcp_statesubset_39vars.csv.gz");
        var seed = int.Parse(options.GetValueOrDefault("seed", Environment.GetEnvironmentVariable(WorkbookVariables.Seed) ?? "20240611"), Invariant);
        var draws = int.Parse(options.GetValueOrDefault("draws", "20"), Invariant);
        var sizes = options.GetValueOrDefault("n", "100,300,1000").Split(',').Select(s => int.Parse(s, Invariant)).ToArray();
        switch (command)
        {
            case "prepare": Prepare(await SmallAreaData.LoadAsync(extract, work), work, sizes, draws, seed); return 0;
            case "run": Run(await SmallAreaData.LoadAsync(extract, work), work, sizes, draws, seed, ModelOptions(options)); return 0;
            case "report": SmallAreaReport.Write(work, results, options.GetValueOrDefault("tag", "")); return 0;
            case "full": await SmallAreaFull.RunAsync(await SmallAreaData.LoadAsync(extract, work), work, results, seed); return 0;
            default: Console.Error.WriteLine($"unknown command '{command}'"); return 2;
        }
    }

    /// <summary>Model settings from --covariates a,b (or "none"), --group-effects a,b (or "none"), --blend true|false, --tag name.</summary>
    private static (SmallAreaOptions Options, string Tag) ModelOptions(Dictionary<string, string> options)
    {
        static IReadOnlyList<string>? List(string? value) => value is null ? null : value == "none" ? [] : value.Split(',');
        return (new SmallAreaOptions(List(options.GetValueOrDefault("covariates")), List(options.GetValueOrDefault("group-effects")),
            CalibrateToWeights: bool.Parse(options.GetValueOrDefault("calibrate", "true")),
            BlendDirect: bool.Parse(options.GetValueOrDefault("blend", "true"))),
            options.GetValueOrDefault("tag", ""));
    }

    private static Dictionary<string, string> Arguments(string[] args)
    {
        var options = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected --name value, got '{args[i]}'");
            options[args[i][2..]] = args[i + 1];
        }
        return options;
    }

    /// <summary>The respondents the draws sample from: fully present states, known outcome and a weight.</summary>
    private static SmallAreaRespondent[] Eligible(SmallAreaData data)
    {
        var full = data.FullyPresent.ToHashSet();
        return data.Respondents.Where(r => full.Contains(r.State) && r.FairPoor is not null && r.Weight is > 0).ToArray();
    }

    /// <summary>Writes the respondents, the frame, the full-sample direct estimates and every draw's subsample (row numbers).</summary>
    private static void Prepare(SmallAreaData data, string work, int[] sizes, int draws, int seed)
    {
        var eligible = Eligible(data);
        var text = new StringBuilder("row,state,age,sex,education,income,y,weight,stratum\n");
        for (var i = 0; i < eligible.Length; i++)
        {
            var r = eligible[i];
            text.Append(Invariant,
                $"{i},{r.State},{r.Age},{r.Sex},{r.Education},{r.Income},{(r.FairPoor == true ? 1 : 0)},{r.Weight:R},{r.Stratum:R}\n");
        }
        AtomicFile.WriteAllText(Path.Combine(work, "respondents.csv"), text.ToString());
        data.FrameOf(data.FullyPresent).WriteCsv(Path.Combine(work, "frame.csv"));
        var truth = SmallAreaData.Direct(eligible, data.Scheme);
        var states = new StringBuilder("state,source,coverage,respondents,truth,truth_se\n");
        foreach (var s in data.Frame.States)
            states.Append(Invariant,
                $"{s.State},{s.Source},{s.Coverage:0.0000},{data.Respondents.Count(r => r.State == s.State)},{(truth.TryGetValue(SmallAreaData.Key(s.State, "all", "all"), out var t) ? t.Prevalence : double.NaN):R},{(t?.StandardError ?? double.NaN):R}\n");
        AtomicFile.WriteAllText(Path.Combine(work, "states.csv"), states.ToString());
        Directory.CreateDirectory(Path.Combine(work, "draws"));
        foreach (var n in sizes)
            for (var d = 1; d <= draws; d++)
                AtomicFile.WriteAllText(DrawFile(work, n, d), string.Join("\n", Subsample(eligible, n, d, seed)) + "\n");
        Console.WriteLine($"prepared {eligible.Length:N0} respondents in {data.FullyPresent.Count} fully present " +
            $"states: {string.Join(" ", data.FullyPresent)}");
    }

    private static string DrawFile(string work, int n, int draw) => Path.Combine(work, "draws", $"n{n}_d{draw:00}.txt");

    /// <summary>n respondents of every state at once, without replacement, from a seed fixed by (seed, n, draw).</summary>
    private static int[] Subsample(SmallAreaRespondent[] eligible, int n, int draw, int seed)
    {
        var random = new Random(unchecked(seed * 7919 + n * 104729 + draw));
        var rows = new List<int>();
        foreach (var state in eligible.Select((r, i) => (r.State, i)).GroupBy(x => x.State).OrderBy(g => g.Key))
        {
            var members = state.Select(x => x.i).ToArray();
            random.Shuffle(members);
            rows.AddRange(members.Take(n).Order());
        }
        return rows.ToArray();
    }

    /// <summary>
    /// Fits ours and computes the direct estimates on every draw: one row per (n, draw, state) in results_ours, and per
    /// (n, draw, state, age band or sex) in results_groups (the state × group estimates against the full sample's domain estimates).
    /// </summary>
    private static void Run(SmallAreaData data, string work, int[] sizes, int draws, int seed, (SmallAreaOptions Options, string Tag) model)
    {
        var eligible = Eligible(data);
        var frame = data.FrameOf(data.FullyPresent);
        var truth = SmallAreaData.Direct(eligible, data.Scheme);
        var groups = SmallAreaGroup.Defaults(data.Scheme, []).Where(g => g.Dimension is "all" or "age" or "sex").ToArray();
        var text = new StringBuilder("n,draw,state,truth,truth_se,direct,direct_lower,direct_upper,ours,ours_se,ours_lower,ours_upper,fit_seconds\n");
        var byGroup = new StringBuilder("n,draw,state,dimension,group,truth,truth_se,direct,direct_lower,direct_upper,ours,ours_lower,ours_upper\n");
        foreach (var n in sizes)
            for (var d = 1; d <= draws; d++)
            {
                var rows = File.ReadAllLines(DrawFile(work, n, d)).Where(l => l.Length > 0).Select(l => eligible[int.Parse(l, Invariant)]).ToArray();
                var direct = SmallAreaData.Direct(rows, data.Scheme);
                var watch = Stopwatch.StartNew();
                var fitted = SmallAreaModel.Fit(rows, frame, model.Options with { Seed = seed + d });
                var estimates = fitted.Estimate(groups);
                var seconds = watch.Elapsed.TotalSeconds;
                foreach (var e in estimates)
                {
                    var key = SmallAreaData.Key(e.State, e.Dimension, e.Group);
                    if (!truth.TryGetValue(key, out var t)) continue;
                    var dir = direct.GetValueOrDefault(key);
                    string Direct(Func<PopHealth.Features.WeightedPrevalence, double> f) => dir is null ? "" : f(dir).ToString("R", Invariant);
                    if (e.Dimension == "all")
                        text.Append(Invariant,
                            $"{n},{d},{e.State},{t.Prevalence:R},{t.StandardError:R},{Direct(x => x.Prevalence)},{Direct(x => x.Lower)},{Direct(x => x.Upper)},{e.Estimate:R},{e.StandardError:R},{e.Lower:R},{e.Upper:R},{seconds:0.000}\n");
                    else
                        byGroup.Append(Invariant,
                            $"{n},{d},{e.State},{e.Dimension},{e.Group},{t.Prevalence:R},{t.StandardError:R},{Direct(x => x.Prevalence)},{Direct(x => x.Lower)},{Direct(x => x.Upper)},{e.Estimate:R},{e.Lower:R},{e.Upper:R}\n");
                }
                Console.WriteLine(string.Create(Invariant,
                    $"n={n} draw {d}: {seconds:0.00} s, σ = {string.Join(", ", fitted.Summary.Sigma.Select(s => s.ToString("0.000", Invariant)))}, " +
                    $"ESS {fitted.Summary.EffectiveProposals:0}, " +
                    $"δ {fitted.Summary.WeightShift.Shift:0.000} ± {fitted.Summary.WeightShift.StandardError:0.000}, " +
                    $"τ {Math.Sqrt(fitted.Summary.BlendVariance) * 100:0.00}"));
            }
        AtomicFile.WriteAllText(Path.Combine(work, $"results_ours{model.Tag}.csv"), text.ToString());
        AtomicFile.WriteAllText(Path.Combine(work, $"results_groups{model.Tag}.csv"), byGroup.ToString());
    }
}
