using System.Globalization;
using System.Text;
using PopHealth.Workbook;

namespace PopHealth.Studies;

/// <summary>The validation table: by n and method, RMSE, bias and 95 % coverage against the full-sample direct estimate (points).</summary>
internal static class SmallAreaReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private sealed record Row(int N, int Draw, int State, string Dimension, double Truth, double TruthSe, double Estimate, double Lower, double Upper,
        double Seconds)
    {
        public bool Covered => Lower <= Truth && Truth <= Upper;

        /// <summary>Covered once the reference's own sampling error is added to the interval's half-width (in quadrature).</summary>
        public bool CoveredWithReferenceError =>
            Math.Abs((Lower + Upper) / 2 - Truth) <= Math.Sqrt(Math.Pow((Upper - Lower) / 2, 2) + Math.Pow(1.959964 * TruthSe, 2));
    }

    public static void Write(string work, string results, string tag = "")
    {
        var ours = Read(Path.Combine(work, $"results_ours{tag}.csv"), "ours");
        var direct = Read(Path.Combine(work, $"results_ours{tag}.csv"), "direct");
        var lme4Path = Path.Combine(work, $"results_lme4{tag}.csv");
        var lme4 = File.Exists(lme4Path) ? Read(lme4Path, "lme4") : [];
        var table = new StringBuilder("n,method,draws,states,rmse_points,bias_points,coverage,coverage_with_reference_error,mean_interval_width_points,ratio_to_direct,mean_fit_seconds\n");
        var markdown = new StringBuilder("| n | method | draws | RMSE (points) | bias (points) | 95 % coverage | coverage, " +
            "reference error added | mean width | × direct | fit (s) |\n|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var n in ours.Select(r => r.N).Distinct().Order())
        {
            Add(n, "direct", direct, direct);
            Add(n, "ours", ours, direct);
            if (lme4.Any(r => r.N == n))
            {
                var same = lme4.Where(r => r.N == n).Select(r => r.Draw).ToHashSet();
                Add(n, "direct (lme4's draws)", direct.Where(r => same.Contains(r.Draw)).ToList(), direct.Where(r => same.Contains(r.Draw)).ToList());
                Add(n, "ours (lme4's draws)", ours.Where(r => same.Contains(r.Draw)).ToList(), direct.Where(r => same.Contains(r.Draw)).ToList());
                Add(n, "lme4 (classic MRP)", lme4, direct.Where(r => same.Contains(r.Draw)).ToList());
            }
        }
        var groupsPath = Path.Combine(work, $"results_groups{tag}.csv");
        if (File.Exists(groupsPath))
        {
            var groupOurs = Read(groupsPath, "ours");
            var groupDirect = Read(groupsPath, "direct");
            markdown.Append("\nState × group (report age bands, sex) against the full sample's domain estimates " +
                "(a direct estimate is missing where the draw has no respondent in the group):\n\n");
            markdown.Append("| n | group | method | estimates | RMSE (points) | bias (points) | 95 % coverage | coverage, " +
                "reference error added | mean width |\n|---|---|---|---|---|---|---|---|---|\n");
            foreach (var n in groupOurs.Select(r => r.N).Distinct().Order())
                foreach (var dimension in new[] { "age", "sex" })
                    foreach (var (method, rows) in new[] { ("direct", groupDirect), ("ours", groupOurs) })
                    {
                        var chosen = rows.Where(r => r.N == n && r.Dimension == dimension).ToList();
                        if (chosen.Count == 0) continue;
                        markdown.Append(Invariant,
                            $"| {n:N0} | {dimension} | {method} | {chosen.Count:N0} | {Rmse(chosen):0.00} " +
                            $"| {Math.Round(chosen.Average(r => r.Estimate - r.Truth) * 100, 2):+0.00;-0.00;0.00} " +
                            $"| {chosen.Average(r => r.Covered ? 1.0 : 0.0):P1} " +
                            $"| {chosen.Average(r => r.CoveredWithReferenceError ? 1.0 : 0.0):P1} " +
                            $"| {chosen.Average(r => r.Upper - r.Lower) * 100:0.00} |\n");
                    }
        }
        Directory.CreateDirectory(results);
        AtomicFile.WriteAllText(Path.Combine(results, "validation.csv"), table.ToString());
        AtomicFile.WriteAllText(Path.Combine(results, "validation.md"), markdown.ToString());
        Console.Write(markdown);

        void Add(int n, string method, List<Row> rows, List<Row> baseline)
        {
            rows = rows.Where(r => r.N == n).ToList();
            if (rows.Count == 0) return;
            var baseRmse = Rmse(baseline.Where(r => r.N == n).ToList());
            var rmse = Rmse(rows);
            var bias = rows.Average(r => r.Estimate - r.Truth) * 100;
            var covered = rows.All(r => double.IsNaN(r.Lower)) ? double.NaN : rows.Average(r => r.Covered ? 1.0 : 0.0);
            var adjusted = rows.All(r => double.IsNaN(r.Lower)) ? double.NaN : rows.Average(r => r.CoveredWithReferenceError ? 1.0 : 0.0);
            var width = rows.All(r => double.IsNaN(r.Lower)) ? double.NaN : rows.Average(r => r.Upper - r.Lower) * 100;
            var seconds = rows.GroupBy(r => r.Draw).Average(g => g.First().Seconds);
            int draws = rows.Select(r => r.Draw).Distinct().Count(), states = rows.Select(r => r.State).Distinct().Count();
            table.Append(Invariant,
                $"{n},{method},{draws},{states},{rmse:0.000},{bias:0.000},{covered:0.000},{adjusted:0.000},{width:0.000},{rmse / baseRmse:0.000},{seconds:0.00}\n");
            markdown.Append(Invariant,
                $"| {n:N0} | {method} | {draws} | {rmse:0.00} | {Math.Round(bias, 2):+0.00;-0.00;0.00} " +
                $"| {(double.IsNaN(covered) ? "—" : covered.ToString("P1", Invariant))} " +
                $"| {(double.IsNaN(adjusted) ? "—" : adjusted.ToString("P1", Invariant))} " +
                $"| {(double.IsNaN(width) ? "—" : width.ToString("0.00", Invariant))} | {rmse / baseRmse:0.00} " +
                $"| {(seconds > 0 ? seconds.ToString("0.00", Invariant) : "—")} |\n");
        }
    }

    private static double Rmse(List<Row> rows) => Math.Sqrt(rows.Average(r => (r.Estimate - r.Truth) * (r.Estimate - r.Truth))) * 100;

    /// <summary>Reads one method's rows from a results file: columns n, draw, state, truth, &lt;method&gt;[, _lower, _upper], fit_seconds.</summary>
    private static List<Row> Read(string path, string method)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',').ToList();
        int Col(string name) => header.IndexOf(name);
        int n = Col("n"), draw = Col("draw"), state = Col("state"), truth = Col("truth"), estimate = Col(method), lower = Col(method + "_lower"),
            upper = Col(method + "_upper"), seconds = Col("fit_seconds"), dimension = Col("dimension"), truthSe = Col("truth_se");
        if (new[] { n, draw, state, truth, estimate }.Any(i => i < 0))
            throw new InvalidDataException($"{path}: needs n, draw, state, truth and {method} columns.");
        double Number(string[] f, int i) => i < 0 || f[i].Length == 0 ? double.NaN : double.Parse(f[i], Invariant);
        return lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).Select(f => new Row(int.Parse(f[n], Invariant),
            int.Parse(f[draw], Invariant), int.Parse(f[state], Invariant), dimension < 0 ? "all" : f[dimension], Number(f, truth), Number(f, truthSe),
            Number(f, estimate), Number(f, lower), Number(f, upper), method == "direct" ? 0 : Number(f, seconds)))
                .Where(r => !double.IsNaN(r.Estimate)).ToList();
    }
}
