using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using PopHealth.Workbook;

namespace PopHealth.Modeling;

/// <summary>
/// A fitted model: the ML.NET transformer, the features it expects (in order) and, when it was trained on
/// resampled data, the prior shift that maps its probabilities back to the population.
/// </summary>
public sealed class TrainedModel
{
    public const string ModelFile = "mlnet_model.zip";
    public const string SignatureFile = "features.json";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly MLContext context;
    private readonly ITransformer transformer;

    public TrainedModel(MLContext context, ITransformer transformer, IReadOnlyList<string> featureNames, ModelSpec spec,
        PriorShift? priorShift = null, IReadOnlyList<FeatureDomain>? domains = null, double threshold = 0.5, double? prevalence = null)
    {
        Prevalence = prevalence;
        this.context = context;
        this.transformer = transformer;
        FeatureNames = featureNames;
        Spec = spec;
        PriorShift = priorShift;
        Domains = domains ?? [];
        Threshold = threshold;
    }

    /// <summary>What each feature looked like in training (codes of categorical features), for checking rows before scoring.</summary>
    public IReadOnlyList<FeatureDomain> Domains { get; }
    /// <summary>The operating threshold on population-level probabilities for the predicted label.</summary>
    public double Threshold { get; }

    /// <summary>Population-level prevalence of the training data (the prior shift's target when there is one), for drift checks.</summary>
    public double? Prevalence { get; }

    /// <summary>The same trees with another prior shift (a recalibration in the large), threshold and, when given, reference prevalence.</summary>
    public TrainedModel WithPriorShift(PriorShift shift, double threshold, double? prevalence = null) =>
        new(context, transformer, FeatureNames, Spec, shift, Domains, threshold, prevalence ?? Prevalence);

    /// <summary>The same model with its operating threshold, the training data's feature domains and its prevalence recorded.</summary>
    public TrainedModel WithScoringInfo(double threshold, ModelMatrix training) =>
        new(context, transformer, FeatureNames, Spec, PriorShift, FeatureDomain.From(training), threshold,
            PriorShift?.PopulationPrevalence ?? training.Labels.Average(l => l ? 1.0 : 0.0));

    public IReadOnlyList<string> FeatureNames { get; }
    public ModelSpec Spec { get; }
    /// <summary>Correction from the training prevalence to the population's (null: trained at the natural prevalence).</summary>
    public PriorShift? PriorShift { get; }
    public ITransformer Transformer => transformer;
    public MLContext Context => context;

    /// <summary>
    /// Fits <paramref name="spec"/> on <paramref name="data"/>, always on a pool thread (<see cref="PoolThread"/>): in a notebook
    /// kernel's cell thread the search's FastTree-family fits took 3.5 times as long (61.7 s against 17.5 s on 6,666 rows).
    /// </summary>
    public static TrainedModel Fit(ModelMatrix data, ModelSpec spec, int seed, int threads = 0, PriorShift? priorShift = null) =>
        PoolThread.Run(() => FitHere(data, spec, seed, threads, priorShift));

    private static TrainedModel FitHere(ModelMatrix data, ModelSpec spec, int seed, int threads, PriorShift? priorShift)
    {
        var context = new MLContext(seed);
        var view = data.ToDataView(context);
        var count = threads <= 0 ? Environment.ProcessorCount : threads;
        using var openMp = OpenMpThreads.Enter(spec.Trainer == TrainerKind.LightGbm ? count : null);
        var model = spec.Estimator(context, seed, count).Fit(view);
        return new TrainedModel(context, model, data.FeatureNames, spec, priorShift);
    }

    /// <summary>
    /// LightGBM sets OpenMP's thread count for the whole process and sizes per-thread buffers by it, so a fit on several
    /// threads running beside single-threaded ones (a sweep's) can make them index past their buffers and crash the
    /// process in lib_lightgbm (seen here twice under the test suite; ML.NET's own tests hit the same, dotnet/machinelearning
    /// PR 4918). Fits with the same thread count share this gate; a different count waits until they are done.
    /// </summary>
    private static class OpenMpThreads
    {
        private static readonly object Gate = new();
        private static int current, running;

        public static IDisposable? Enter(int? threads)
        {
            if (threads is not { } wanted) return null;
            lock (Gate)
            {
                while (running > 0 && current != wanted) Monitor.Wait(Gate);
                current = wanted;
                running++;
            }
            return new Exit();
        }

        private sealed class Exit : IDisposable
        {
            private int done;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref done, 1) == 1) return;
                lock (Gate)
                {
                    running--;
                    Monitor.PulseAll(Gate);
                }
            }
        }
    }

    /// <summary>The model's probabilities of fair or poor health for <paramref name="rows"/>, before any prior shift.</summary>
    public float[] RawProbabilities(IReadOnlyList<float[]> rows)
    {
        var view = context.Data.LoadFromEnumerable(rows.Select(r => new ModelRow { Features = r }), ModelMatrix.Schema(FeatureNames.Count));
        return transformer.Transform(view).GetColumn<float>("Probability").ToArray();
    }

    /// <summary>Probabilities for the population (the prior shift applied when there is one).</summary>
    public double[] Probabilities(IReadOnlyList<float[]> rows)
    {
        var raw = RawProbabilities(rows);
        return PriorShift is { } shift ? raw.Select(p => shift.Apply(p)).ToArray() : raw.Select(p => (double)p).ToArray();
    }

    /// <summary>
    /// Saves the ML.NET model and its signature (features, prior shift, setting) into <paramref name="folder"/>,
    /// atomically per file.
    /// </summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.Write(Path.Combine(folder, ModelFile), (Stream stream) => context.Model.Save(transformer, null, stream));
        AtomicFile.WriteAllText(Path.Combine(folder, SignatureFile), JsonSerializer.Serialize(Signature, Indented));
    }

    /// <summary>What scoring needs to know about the model besides its trees.</summary>
    public ModelSignature Signature => new(FeatureNames.ToArray(), PriorShift, Spec, Domains.ToArray(), Threshold, Prevalence);

    /// <summary>Reads the signature saved beside a model (<see cref="SignatureFile"/>) without loading the model.</summary>
    public static ModelSignature LoadSignature(string folder)
    {
        var path = Path.Combine(folder, SignatureFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model artifact missing: {path}", path);
        try
        {
            var signature = JsonSerializer.Deserialize<ModelSignature>(File.ReadAllText(path));
            return signature is { Features.Length: > 0 } ? signature : throw new InvalidDataException("no features");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: not a model signature ({e.Message}).", e);
        }
    }

    /// <summary>Loads a model saved by <see cref="Save"/>; a missing or corrupt file is an error naming it.</summary>
    public static TrainedModel Load(string folder)
    {
        var modelPath = Path.Combine(folder, ModelFile);
        var signature = LoadSignature(folder);
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"Model artifact missing: {modelPath}", modelPath);
        var context = new MLContext(0);
        ITransformer transformer;
        try
        {
            using var stream = File.OpenRead(modelPath);
            transformer = context.Model.Load(stream, out _);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"{modelPath}: not a readable ML.NET model ({e.Message}).", e);
        }
        return new TrainedModel(context, transformer, signature.Features, signature.Spec, signature.PriorShift, signature.Domains,
            signature.Threshold, signature.Prevalence);
    }

}

/// <summary>A saved model's features (in order), prior shift, setting, training domains and operating threshold.</summary>
/// <param name="Prevalence">Population-level prevalence of the training data (null in models saved before it was recorded).</param>
public sealed record ModelSignature(string[] Features, PriorShift? PriorShift, ModelSpec Spec, FeatureDomain[]? Domains, double Threshold,
    double? Prevalence = null)
{
    /// <summary>Population-level probability from the model's own (the prior shift applied when there is one).</summary>
    public double Population(double raw) => PriorShift is { } shift ? shift.Apply(raw) : raw;
}

/// <summary>A feature's values in training: range, and its codes when it has at most <see cref="MaxCodes"/> distinct values.</summary>
/// <param name="Bins">The training distribution, for drift (null in models saved before it was recorded).</param>
public sealed record FeatureDomain(string Feature, double Min, double Max, double[]? Codes, FeatureBins? Bins = null)
{
    public const int MaxCodes = 40;

    public static IReadOnlyList<FeatureDomain> From(ModelMatrix training) => training.FeatureNames.Select((name, j) =>
    {
        var column = training.Rows.Select(r => r[j]).ToArray();
        var known = column.Where(v => !float.IsNaN(v)).Select(v => (double)v).ToArray();
        var distinct = known.Distinct().Order().ToArray();
        var codes = distinct.Length <= MaxCodes ? distinct : null;
        return new FeatureDomain(name, known.Length == 0 ? double.NaN : known.Min(), known.Length == 0 ? double.NaN : known.Max(),
            codes, FeatureBins.From(column, codes));
    }).ToArray();

    /// <summary>
    /// How far past the training range a measured feature may go and still be scored, as a share of the range: trees
    /// extrapolate flat, so a value a little outside is scored like the nearest training value; one far outside
    /// (BMI 1e308, a mistyped unit) is an input error, refused with a reason and flagged.
    /// </summary>
    public const double RangeMargin = 0.10;

    /// <summary>
    /// Whether the model can take <paramref name="value"/>: finite, one of the training codes when the feature has
    /// codes, else within the training range and its margin.
    /// </summary>
    public bool Accepts(double value) => Acceptor()(value);

    /// <summary><see cref="Accepts"/> for checking many values (see <see cref="ValueCheck"/>).</summary>
    public Func<double, bool> Acceptor() => Check().Accepts;

    /// <summary><see cref="Accepts"/> prepared once for checking many values.</summary>
    public ValueCheck Check() => new(this);

    /// <summary>A finite value of a measured feature (no codes) beyond the training range by more than <see cref="RangeMargin"/>.</summary>
    public bool IsOutOfRange(double value)
    {
        if (Codes is not null || !double.IsFinite(value) || double.IsNaN(Min) || double.IsNaN(Max)) return false;
        var margin = RangeMargin * Math.Max(Max - Min, Math.Abs(Max) * 1e-3);
        return value < Min - margin || value > Max + margin;
    }

    /// <summary>Why <paramref name="value"/> cannot be scored, or null when it can (unknown = null is always fine).</summary>
    public string? Problem(double? value) => value switch
    {
        null => null,
        { } v when Accepts(v) => null,
        double.NaN => $"{Feature} is NaN (an unknown answer must be null)",
        { } v when double.IsInfinity(v) => $"{Feature} is infinite",
        { } v when IsOutOfRange(v) => $"{Feature}={v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)} is outside the training " +
            $"range {Min.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}–" +
            $"{Max.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)} (beyond its {RangeMargin:P0} margin)",
        { } v => $"{Feature}={v.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a code the model was trained on " +
            $"({string.Join(", ", Codes!.Take(12).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)))}" +
            $"{(Codes!.Length > 12 ? ", …" : "")})",
    };
}

/// <summary>
/// <see cref="FeatureDomain.Accepts"/> prepared for many values: the accepted range (training range and margin) worked
/// out once, and the codes as a bitmap when they are whole numbers spanning at most 4,096 (else sorted, searched).
/// </summary>
public sealed class ValueCheck
{
    private readonly double low = double.NegativeInfinity, high = double.PositiveInfinity;
    private readonly double[]? codes;
    private readonly ulong[]? bits;
    private readonly double first;

    internal ValueCheck(FeatureDomain domain)
    {
        if (domain.Codes is { } known)
        {
            codes = known.Order().ToArray();
            if (codes.Length > 0 && codes.All(c => c == Math.Floor(c)) && codes[^1] - codes[0] < 4096)
            {
                (first, bits) = (codes[0], new ulong[((int)(codes[^1] - codes[0]) >> 6) + 1]);
                foreach (var c in codes) bits[(int)(c - first) >> 6] |= 1UL << ((int)(c - first) & 63);
            }
        }
        else if (!double.IsNaN(domain.Min) && !double.IsNaN(domain.Max))
        {
            // As FeatureDomain.IsOutOfRange works it out: out when value < Min − margin or value > Max + margin.
            var margin = FeatureDomain.RangeMargin * Math.Max(domain.Max - domain.Min, Math.Abs(domain.Max) * 1e-3);
            (low, high) = (domain.Min - margin, domain.Max + margin);
        }
    }

    // called for every value scored
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool Accepts(double value)
    {
        if (!double.IsFinite(value)) return false;
        if (codes is null) return value >= low && value <= high;
        if (bits is null) return Array.BinarySearch(codes, value) >= 0;
        if (value != Math.Floor(value) || value < first || value > codes[^1]) return false; // whole numbers only: value − first is then exact
        var offset = (int)(value - first);
        return (bits[offset >> 6] >> (offset & 63) & 1) != 0;
    }
}

/// <summary>
/// Maps probabilities learned at one prevalence to another (Bayes' rule on the odds): a model trained on the
/// original's balanced data overstates risk; this restores population-level probabilities.
/// </summary>
public sealed record PriorShift(double TrainingPrevalence, double PopulationPrevalence)
{
    /// <summary>What the odds are multiplied by: (π/(1−π)) / (τ/(1−τ)) for population prevalence π and training prevalence τ.</summary>
    public double OddsFactor => PopulationPrevalence / (1 - PopulationPrevalence) / (TrainingPrevalence / (1 - TrainingPrevalence));

    public double Apply(double p)
    {
        var odds = p / Math.Max(1e-12, 1 - p) * OddsFactor;
        return odds / (1 + odds);
    }
}
