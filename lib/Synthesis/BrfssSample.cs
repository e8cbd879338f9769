using System.Globalization;
using System.Reflection;
using Microsoft.Data.Analysis;
using PopHealth.Ingest;
using PopHealth.Ingest.Codebook;
using PopHealth.Ingest.Xpt;
using PopHealth.Workbook;

namespace PopHealth.Synthesis;

/// <summary>
/// The workbook's embedded default input: a BRFSS-2024-shaped sample, deterministic from the seed, with CDC's
/// 2024 names, codes and missing codes. Each variable's distribution is CDC's published 2024 codebook
/// (<see cref="BrfssCodebook"/>); the dependence between variables is a Gaussian copula fitted on the real
/// 2016 extract (POORHLTH's, by proxy, on Missouri's MENTHLTH) and shipped only as aggregates
/// (<c>Synthesis/brfss_sample_copula.json</c>: frequency tables, quantiles, correlations). Synthetic data: it
/// resembles the survey in its shares and main associations, and carries no respondent.
/// </summary>
public static class BrfssSample
{
    /// <summary>
    /// Variables whose dependence the copula models, under 2024 names (DIABETE4 in severity order, see
    /// <see cref="DiabetesSeverity"/>).
    /// </summary>
    public static IReadOnlyList<string> CopulaVariables { get; } =
    [
        "GENHLTH", "_AGEG5YR", "_SEX", "EDUCA", "INCOME3", "_BMI5", "_SMOKER3", "DRNKANY6", "CHILDREN", "HHADULT",
        "CVDINFR4", "CVDCRHD4", "CVDSTRK3", "ASTHMA3", "CHCSCNC1", "CHCOCNC1", "CHCCOPD3", "ADDEPEV3", "CHCKDNY2", "HAVARTH4", "DIABETE4",
    ];

    /// <summary>DIABETE4's codes in order of severity for the copula: 3 no → 0, 2 pregnancy only → 1, 4 pre-diabetes → 2, 1 yes → 3.</summary>
    public static readonly IReadOnlyDictionary<double, double> DiabetesSeverity =
        new Dictionary<double, double> { [3] = 0, [2] = 1, [4] = 2, [1] = 3 };

    private const string ModelResource = "PopHealth.Synthesis.brfss_sample_copula.json";
    private const int CapCount = 10;

    /// <summary>
    /// Fits the dependence model from a real converted extract (2024 names; its income variable stands in for
    /// INCOME3 by rank) and a table holding GENHLTH and MENTHLTH, whose relation stands in for POORHLTH's.
    /// Only aggregates leave this method.
    /// </summary>
    public static GaussianCopula FitDependence(BrfssTable real, DataFrame poorHealthProxy)
    {
        var n = (int)real.Rows;
        double?[] Clean(string variable, string? sourceName = null)
        {
            var column = (DoubleDataFrameColumn)real.Frame.Columns[sourceName ?? variable];
            return Enumerable.Range(0, n).Select(i => BrfssCodes.Clean(variable, column[i])).ToArray();
        }
        var frame = new DataFrame();
        foreach (var variable in CopulaVariables)
        {
            var values = variable switch
            {
                "INCOME3" => Clean(real.Profile.IncomeVariable == "INCOME3" ? "INCOME3" : "INCOME2", real.Profile.IncomeVariable),
                "DIABETE4" => Clean("DIABETE4").Select(v => v is { } d && DiabetesSeverity.TryGetValue(d, out var s) ? s : (double?)null).ToArray(),
                "CHILDREN" or "HHADULT" => Clean(variable).Select(v => v is { } c ? Math.Min(c, CapCount) : (double?)null).ToArray(),
                _ => Clean(variable),
            };
            if (variable == "HHADULT") values = values.Select(v => v is >= 1 ? v : null).ToArray();
            frame.Columns.Add(new DoubleDataFrameColumn(variable, values));
        }
        var copula = GaussianCopula.Fit(frame, new CopulaOptions(MaxCategories: 40));

        // POORHLTH on the latent scale: blank (no bad days) < 88 (none limiting) < 1…30 days. MENTHLTH's days stand in.
        var proxyRows = (int)poorHealthProxy.Rows.Count;
        var genhlth = (DoubleDataFrameColumn)poorHealthProxy.Columns["GENHLTH"];
        var menthlth = (DoubleDataFrameColumn)poorHealthProxy.Columns["MENTHLTH"];
        var proxy = new DataFrame(
            new DoubleDataFrameColumn("GENHLTH", Enumerable.Range(0, proxyRows).Select(i => BrfssCodes.Clean("GENHLTH", genhlth[i]))),
            new DoubleDataFrameColumn("POORHLTH", Enumerable.Range(0, proxyRows).Select(i => BrfssCodes.Clean("MENTHLTH", menthlth[i]))));
        var proxyCopula = GaussianCopula.Fit(proxy, new CopulaOptions(MaxCategories: 40));
        var poor = proxyCopula.Marginals.Single(m => m.Column == "POORHLTH");
        return copula.WithChild(poor, "GENHLTH", proxyCopula.CorrelationOf("GENHLTH", "POORHLTH"));
    }

    /// <summary>The shipped dependence model (fitted by <see cref="FitDependence"/>; see Synthesis/SOURCES.md).</summary>
    public static GaussianCopula ShippedDependence()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ModelResource)
            ?? throw new InvalidOperationException($"Embedded resource {ModelResource} is missing from the library.");
        using var reader = new StreamReader(stream);
        return GaussianCopula.FromJson(reader.ReadToEnd(), ModelResource);
    }

    /// <summary>The codebook's answered codes (with counts) and the missing codes (with counts; null = blank) of a variable.</summary>
    private static (List<(double Code, double Count)> Answered, List<(double? Code, double Count)> Missing) Split(string variable)
    {
        var missingCodes = BrfssCodes.MissingCodes(variable);
        var answered = new List<(double, double)>();
        var missing = new List<(double?, double)>();
        foreach (var e in BrfssCodebook.Year2024.Entries(variable))
        {
            if (e.Range is not { } r) missing.Add((null, e.Frequency));
            else if (r.Low == r.High && missingCodes.Contains(r.Low)) missing.Add((r.Low, e.Frequency));
            else if (r.Low == r.High) answered.Add((r.Low, e.Frequency));
        }
        return (answered, missing);
    }

    private static double Total => BrfssCodebook.Year2024.Entries("_RFHLTH").Sum(e => e.Frequency);

    /// <summary>The 2024 population model: the shipped dependence with every marginal set to CDC's 2024 codebook.</summary>
    public static GaussianCopula PopulationModel(GaussianCopula? dependence = null)
    {
        dependence ??= ShippedDependence();
        var fitted = dependence.Marginals.ToDictionary(m => m.Column);
        var total = Total;
        var marginals = new List<Marginal>();
        foreach (var variable in CopulaVariables.Where(v => v is not ("CHILDREN" or "HHADULT" or "_BMI5" or "DIABETE4")))
        {
            var (answered, missing) = Split(variable);
            marginals.Add(Marginal.Categorical(variable, answered.Select(a => a.Code).ToArray(), answered.Select(a => a.Count).ToArray(),
                missing.Sum(m => m.Count) / total));
        }
        {
            var (answered, missing) = Split("DIABETE4");
            marginals.Add(Marginal.Categorical("DIABETE4", answered.Select(a => DiabetesSeverity[a.Code]).ToArray(),
                answered.Select(a => a.Count).ToArray(), missing.Sum(m => m.Count) / total));
        }
        marginals.Add(Children(fitted["CHILDREN"], total));
        marginals.Add(Adults(fitted["HHADULT"], total));
        marginals.Add(Bmi(fitted["_BMI5"], total));
        marginals.Add(PoorHealthDays(fitted["POORHLTH"], total));
        return dependence.WithMarginals(marginals);
    }

    private static Marginal Children(Marginal fitted, double total)
    {
        // 0 = CDC's 88 (none); 1–4 from _CHLDCNT; 5+ split as the fitted extract splits it.
        var codebook = BrfssCodebook.Year2024;
        double Count(string variable, string code) => codebook.Entries(variable).Where(e => e.Code == code).Sum(e => e.Frequency);
        var codes = new List<double> { 0, 1, 2, 3, 4 };
        var weights = new List<double> { Count("CHILDREN", "88") + Count("CHILDREN", "0"), Count("_CHLDCNT", "2"), Count("_CHLDCNT", "3"),
            Count("_CHLDCNT", "4"), Count("_CHLDCNT", "5") };
        var fiveOrMore = Count("_CHLDCNT", "6");
        var tail = Enumerable.Range(0, fitted.Values.Length).Where(i => fitted.Values[i] >= 5).ToArray();
        var tailTotal = tail.Sum(i => fitted.Probabilities[i]);
        foreach (var i in tail) { codes.Add(fitted.Values[i]); weights.Add(fiveOrMore * fitted.Probabilities[i] / tailTotal); }
        return Marginal.Categorical("CHILDREN", codes, weights, (Count("CHILDREN", "99") + Count("CHILDREN", "BLANK")) / total);
    }

    private static Marginal Adults(Marginal fitted, double total)
    {
        var codebook = BrfssCodebook.Year2024;
        var missing = codebook.Entries("HHADULT").Where(e => e.Code is "77" or "99" or "BLANK").Sum(e => e.Frequency);
        return Marginal.Categorical("HHADULT", fitted.Values, fitted.Probabilities, missing / total);
    }

    /// <summary>BMI boundaries of CDC's _BMI5CAT (BMI × 100): underweight below 1850, normal below 2500, overweight below 3000.</summary>
    public static readonly double[] BmiCategoryBounds = [1850, 2500, 3000];

    private static Marginal Bmi(Marginal fitted, double total)
    {
        // The fitted extract's shape within each CDC category, re-weighted to the 2024 category shares.
        var (answered, missing) = Split("_BMI5CAT");
        var target = Cumulative(answered.OrderBy(a => a.Code).Select(a => a.Count).ToArray());
        double FittedCdf(double bmi)
        {
            var q = fitted.Values;
            if (bmi <= q[0]) return 0;
            if (bmi >= q[^1]) return 1;
            var i = Array.FindIndex(q, v => v >= bmi);
            var lo = q[i - 1];
            return (i - 1 + (q[i] == lo ? 0 : (bmi - lo) / (q[i] - lo))) / (q.Length - 1);
        }
        var source = BmiCategoryBounds.Select(FittedCdf).Prepend(0.0).Append(1.0).ToArray();
        var points = fitted.Values.Length;
        var quantiles = Enumerable.Range(0, points).Select(j =>
        {
            var u = j / (double)(points - 1);
            var k = Math.Min(Array.FindIndex(target, c => c >= u), target.Length - 1);
            k = Math.Max(k, 1);
            var r = target[k] == target[k - 1] ? 0 : (u - target[k - 1]) / (target[k] - target[k - 1]);
            return fitted.Quantile(Math.Clamp(source[k - 1] + r * (source[k] - source[k - 1]), 0, 1));
        }).ToArray();
        for (var j = 1; j < quantiles.Length; j++) quantiles[j] = Math.Max(quantiles[j], quantiles[j - 1]);
        return Marginal.Continuous("_BMI5", quantiles, missing.Sum(m => m.Count) / total);
    }

    /// <summary>The index of the category a uniform draw <paramref name="u"/> falls in, given cumulative shares starting at 0.</summary>
    private static int Pick(double[] cumulative, double u)
    {
        for (var k = 1; k < cumulative.Length; k++)
            if (u <= cumulative[k]) return k - 1;
        return cumulative.Length - 2;
    }

    private static double[] Cumulative(double[] counts)
    {
        var sum = counts.Sum();
        var result = new double[counts.Length + 1];
        for (var i = 0; i < counts.Length; i++) result[i + 1] = result[i] + counts[i] / sum;
        return result;
    }

    private static Marginal PoorHealthDays(Marginal fitted, double total)
    {
        // Levels: −1 blank (no bad days at all), 0 = 88 (none limiting), 1…30 days (the proxy's shape).
        var codebook = BrfssCodebook.Year2024;
        double Count(string code) => codebook.Entries("POORHLTH").Where(e => e.Code == code).Sum(e => e.Frequency);
        var days = Enumerable.Range(0, fitted.Values.Length).Where(i => fitted.Values[i] >= 1).ToArray();
        var dayTotal = days.Sum(i => fitted.Probabilities[i]);
        var codes = new List<double> { -1, 0 };
        var weights = new List<double> { Count("BLANK"), Count("88") };
        foreach (var i in days) { codes.Add(fitted.Values[i]); weights.Add(Count("1-30") * fitted.Probabilities[i] / dayTotal); }
        return Marginal.Categorical("POORHLTH", codes, weights, (Count("77") + Count("99")) / total);
    }

    /// <summary>Generates <paramref name="rows"/> respondents with CDC's 2024 names and codes (missing codes included).</summary>
    public static ColumnBatch Generate(int rows, int seed, IProgress<int>? progress = null, GaussianCopula? population = null)
    {
        population ??= PopulationModel();
        var sample = new SampleColumns(population.Sample(rows, seed, progress), rows, new Random(unchecked(seed * 31 + 17)));
        // The order of the groups is the order of the random draws: changing it changes every sample.
        sample.Design();
        sample.Health();
        sample.Person();
        sample.Household();
        sample.Conditions();
        return sample.ToBatch();
    }

    /// <summary>The generated columns, built group by group from the copula's latent answers and one seeded random stream.</summary>
    private sealed class SampleColumns(DataFrame latent, int rows, Random random)
    {
        private readonly List<(SourceColumn Column, Array Values)> columns = [];

        private double?[] Latent(string name) => Enumerable.Range(0, rows).Select(i => ((DoubleDataFrameColumn)latent.Columns[name])[i]).ToArray();
        private void Numeric(string name, double?[] values, string label) => columns.Add((new SourceColumn(name, ColumnKind.Numeric, label), values));
        private double?[] Values(string name) => (double?[])columns.Single(c => c.Column.Name == name).Values;
        public ColumnBatch ToBatch() => new(columns.Select(c => c.Column).ToArray(), columns.Select(c => c.Values).ToArray(), rows);

        /// <summary>Unknown answers become one of the variable's missing codes, in the codebook's proportions.</summary>
        private double?[] WithMissingCodes(string variable, double?[] values, Func<double, double>? map = null)
        {
            var (_, missing) = Split(variable);
            var cumulative = Cumulative(missing.Select(m => m.Count).ToArray());
            return values.Select(v =>
            {
                if (v is { } x) return map is null ? x : map(x);
                if (missing.Count == 0) return (double?)null;
                return missing[Pick(cumulative, random.NextDouble())].Code;
            }).ToArray();
        }

        /// <summary>
        /// Sequence number, interview year, state, stratum and weight: states in the codebook's proportions; weights such that each state's
        /// weighted share matches CDC's weighted percentage (mean weight illustrative, lognormal spread within state).
        /// </summary>
        public void Design()
        {
            var seq = Enumerable.Range(1, rows).Select(i => (2024_000_000 + i).ToString("D10", CultureInfo.InvariantCulture)).ToArray();
            columns.Add((new SourceColumn("SEQNO", ColumnKind.Text, "Annual sequence number"), seq));
            // The survey year, stated in the file as CDC's files state it (no random draw: the rest of the sample is unchanged).
            columns.Add((new SourceColumn(StatedYear.InterviewYearColumn, ColumnKind.Text, "Interview year"),
                Enumerable.Repeat("2024", rows).ToArray()));
            var total = Total;
            var states = BrfssCodebook.Year2024.Entries("_STATE");
            var stateCumulative = Cumulative(states.Select(s => (double)s.Frequency).ToArray());
            var (stateOf, stratum, weight) = (new double?[rows], new double?[rows], new double?[rows]);
            const double meanWeight = 560, spread = 0.8;
            for (var i = 0; i < rows; i++)
            {
                var s = states[Pick(stateCumulative, random.NextDouble())];
                var fips = s.Range!.Value.Low;
                stateOf[i] = fips;
                stratum[i] = fips * 1000 + random.Next(1, 6);
                var relative = (s.WeightedPercentage ?? 0) / 100 / (s.Frequency / total);
                var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                weight[i] = Math.Round(meanWeight * relative * Math.Exp(spread * normal - spread * spread / 2), 4);
            }
            Numeric("_STATE", stateOf, "State FIPS code");
            Numeric("_STSTR", stratum, "Sample design stratum (synthetic)");
            Numeric("_LLCPWT", weight, "Final weight (synthetic)");
        }

        /// <summary>GENHLTH with the target derived from it, and POORHLTH (none = 88).</summary>
        public void Health()
        {
            var genhlth = WithMissingCodes("GENHLTH", Latent("GENHLTH"));
            Numeric("GENHLTH", genhlth, "General health");
            Numeric("_RFHLTH", genhlth.Select(g => (double?)(g is >= 1 and <= 3 ? 1 : g is 4 or 5 ? 2 : 9)).ToArray(),
                "Adults with good or better health");
            var (_, poorMissing) = Split("POORHLTH");
            var poorCodes = Cumulative(poorMissing.Where(m => m.Code is not null).Select(m => m.Count).ToArray());
            var poorMissingCodes = poorMissing.Where(m => m.Code is not null).Select(m => m.Code).ToArray();
            Numeric("POORHLTH", Latent("POORHLTH").Select(p => p switch
            {
                -1 => null,
                0 => 88,
                { } days => days,
                null => poorMissingCodes[Pick(poorCodes, random.NextDouble())],
            }).ToArray(), "Days poor health limited activities");
        }

        /// <summary>Age, sex, education, income, BMI, smoking and drinking, with CDC's grouped versions where the workbook uses them.</summary>
        public void Person()
        {
            var age = WithMissingCodes("_AGEG5YR", Latent("_AGEG5YR"));
            Numeric("_AGEG5YR", age, "Age in five-year age categories");
            Numeric("_AGE65YR", age.Select(a => (double?)(a is >= 1 and <= 9 ? 1 : a is >= 10 and <= 13 ? 2 : 3)).ToArray(),
                "Reported age in two age groups");
            Numeric("_SEX", WithMissingCodes("_SEX", Latent("_SEX")), "Calculated sex variable");
            var educa = WithMissingCodes("EDUCA", Latent("EDUCA"));
            Numeric("EDUCA", educa, "Education level");
            Numeric("_EDUCAG", educa.Select(e => (double?)(e switch { 1 or 2 or 3 => 1, 4 => 2, 5 => 3, 6 => 4, _ => 9 })).ToArray(),
                "Level of education completed");
            var income = WithMissingCodes("INCOME3", Latent("INCOME3"));
            Numeric("INCOME3", income, "Income level");
            Numeric("_INCOMG1",
                income.Select(v => (double?)(v switch { 1 or 2 => 1, 3 or 4 => 2, 5 => 3, 6 => 4, 7 or 8 => 5, 9 or 10 => 6, 11 => 7, _ => 9 }))
                    .ToArray(), "Income categories");
            var bmi = Latent("_BMI5").Select(b => b is { } x ? Math.Round(x) : (double?)null).ToArray();
            Numeric("_BMI5", bmi, "Computed body mass index");
            Numeric("_BMI5CAT", bmi.Select(b => b is { } x ? (double?)(1 + BmiCategoryBounds.Count(bound => x >= bound)) : null).ToArray(),
                "Computed BMI categories");
            Numeric("_SMOKER3", WithMissingCodes("_SMOKER3", Latent("_SMOKER3")), "Computed smoking status");
            Numeric("DRNKANY6", WithMissingCodes("DRNKANY6", Latent("DRNKANY6")), "Any alcohol in past 30 days");
        }

        /// <summary>Children (none = 88) and adults: cell-phone respondents answer HHADULT, landline ones NUMADULT (codebook proportions).</summary>
        public void Household()
        {
            var children = WithMissingCodes("CHILDREN", Latent("CHILDREN"), c => c == 0 ? 88 : c);
            Numeric("CHILDREN", children, "Number of children in household");
            Numeric("_CHLDCNT",
                children.Select(c => (double?)(c switch { 88 => 1, >= 1 and <= 4 => c.Value + 1, >= 5 and <= 87 => 6, _ => 9 })).ToArray(),
                "Computed number of children");
            var adults = WithMissingCodes("HHADULT", Latent("HHADULT"));
            Numeric("HHADULT", adults, "Adults in household (cell phone)");
            var landline = BrfssCodebook.Year2024.Entries("NUMADULT").Where(e => e.Range is not null).ToArray();
            var landlineCumulative = Cumulative(landline.Select(e => (double)e.Frequency).ToArray());
            Numeric("NUMADULT", adults.Select(a => a is null
                ? landline[Pick(landlineCumulative, random.NextDouble())].Range!.Value.Low
                : (double?)null).ToArray(), "Adults in household (landline)");
        }

        /// <summary>The eleven chronic conditions, and CDC's derived _MICHD and _DRDXAR2.</summary>
        public void Conditions()
        {
            foreach (var item in BrfssYearProfile.ConditionItems)
            {
                var values = item == "DIABETE4"
                    ? WithMissingCodes(item, Latent(item), s => DiabetesSeverity.Single(kv => kv.Value == s).Key)
                    : WithMissingCodes(item, Latent(item));
                Numeric(item, values, item);
            }
            var (mi, chd) = (Values("CVDINFR4"), Values("CVDCRHD4"));
            Numeric("_MICHD",
                Enumerable.Range(0, rows).Select(i => mi[i] == 1 || chd[i] == 1 ? 1 : mi[i] == 2 && chd[i] == 2 ? 2 : (double?)null).ToArray(),
                "Ever had CHD or MI");
            Numeric("_DRDXAR2", Values("HAVARTH4").Select(a => a is 1 or 2 ? a : null).ToArray(), "Diagnosed with arthritis");
        }
    }

    /// <summary>Writes a generated sample as a SAS transport (v5) file, atomically; returns the rows written.</summary>
    public static int WriteXpt(string path, int rows, int seed, IProgress<int>? progress = null)
    {
        var batch = Generate(rows, seed, progress);
        var columns = batch.Columns.Select(c => new XptColumn(c.Name, c.Kind, c.Kind == ColumnKind.Text ? 10 : 8, c.Label)).ToArray();
        AtomicFile.Write(path, stream =>
        {
            using var writer = new XptWriter(stream, "LLCP2024", columns);
            writer.Write(batch);
        });
        return rows;
    }
}
