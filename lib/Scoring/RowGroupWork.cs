using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace PopHealth.Scoring;

/// <summary>
/// The arrays one row group needs from reading to writing: the row-major feature buffer (NaN = unknown), each row's
/// reason and out-of-range flag, its id, and its probability, label and tier (packed over the scored rows, with a
/// 1/0 per row saying which were scored). Reused by later row groups, so scoring allocates a few row groups' worth.
/// </summary>
internal sealed class RowGroupWork(int capacity, int features)
{
    public int Capacity { get; } = capacity;
    public int Rows { get; private set; }
    public int Features { get; } = features;
    public float[] Buffer { get; } = new float[capacity * features];
    public string?[] Reasons { get; } = new string?[capacity];
    public bool[] OutOfRange { get; } = new bool[capacity];
    /// <summary>Each feature's nulls in this row group.</summary>
    public long[] Missing { get; } = new long[features];
    /// <summary>One input column as read (its defined values packed) and which rows have a value.</summary>
    public double[] Values { get; } = new double[capacity];
    public int[] Defined { get; } = new int[capacity];
    /// <summary>Whole-number ids packed, with <see cref="IdDefined"/> per row; or <see cref="TextIds"/> for text ids.</summary>
    public long[] Ids { get; } = new long[capacity];
    public int[] IdDefined { get; } = new int[capacity];
    public int IdCount { get; set; }
    public string?[]? TextIds { get; set; }
    public double[] Probability { get; } = new double[capacity];
    public int[] Label { get; } = new int[capacity];
    public int[] Scored { get; } = new int[capacity];
    public string?[] Tier { get; } = new string?[capacity];
    public int ScoredCount { get; private set; }
    public (string Feature, double? Value, double Contribution)[]?[]? Drivers { get; set; }

    /// <summary>Clears what the previous row group left and takes <paramref name="rows"/> rows.</summary>
    public RowGroupWork Begin(int rows)
    {
        Rows = rows;
        Array.Clear(Reasons, 0, rows);
        Array.Clear(OutOfRange, 0, rows);
        (IdCount, ScoredCount, Drivers) = (0, 0, null);
        return this;
    }

    /// <summary>
    /// Column <paramref name="j"/>, as read into <see cref="Values"/> and <see cref="Defined"/>, into the feature buffer,
    /// with a reason (and the out-of-range flag) for each value the model cannot take, and <paramref name="missingReason"/>
    /// for each row lacking the feature when the input lacks it far more often than training did (else unknowns are scored).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Fill(int j, Modeling.FeatureDomain domain, Modeling.ValueCheck check, string? missingReason = null)
    {
        var (buffer, k, values, defined) = (Buffer, Features, Values, Defined);
        for (int i = 0, v = 0; i < Rows; i++)
        {
            if (defined[i] == 0)
            {
                buffer[i * k + j] = float.NaN;
                if (missingReason is not null) Reasons[i] ??= missingReason;
                continue;
            }
            var x = values[v++];
            buffer[i * k + j] = (float)x;
            if (check.Accepts(x)) continue;
            Reasons[i] ??= domain.Problem(x);
            if (domain.IsOutOfRange(x)) OutOfRange[i] = true;
        }
    }

    /// <summary>
    /// The rows' probabilities, labels (probability ≥ <paramref name="threshold"/>, compared in single precision as the
    /// ONNX graph compares) and tiers, for every row without a reason.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Score(double[] population, float threshold)
    {
        var n = 0;
        for (var i = 0; i < Rows; i++)
        {
            Tier[i] = null;
            if (Reasons[i] is not null) { Scored[i] = 0; continue; }
            var p = population[i];
            (Scored[i], Probability[n], Label[n], Tier[i]) = (1, p, (float)p >= threshold ? 1 : 0, RiskTiers.Of(p));
            n++;
        }
        ScoredCount = n;
    }
}

/// <summary>
/// Row-group work areas handed out and taken back: at most <see cref="MaxInFlight"/> exist (two read, two scored ahead,
/// one written).
/// </summary>
internal sealed class RowGroupWorkPool(int features)
{
    public const int MaxInFlight = 6;
    private readonly Channel<RowGroupWork> idle = Channel.CreateUnbounded<RowGroupWork>();
    private int created;

    public async ValueTask<RowGroupWork> TakeAsync(int rows, CancellationToken stop)
    {
        RowGroupWork? work = null;
        if (!idle.Reader.TryRead(out work) && Interlocked.Increment(ref created) > MaxInFlight)
        {
            Interlocked.Decrement(ref created);
            work = await idle.Reader.ReadAsync(stop);
        }
        if (work is null || work.Capacity < rows) work = new RowGroupWork(Math.Max(rows, work?.Capacity ?? 0), features);
        return work.Begin(rows);
    }

    public void Return(RowGroupWork work) => idle.Writer.TryWrite(work);
}
