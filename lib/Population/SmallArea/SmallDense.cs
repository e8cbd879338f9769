namespace PopHealth.Population.SmallArea;

/// <summary>
/// Cholesky factorisation and solves for the small dense symmetric matrices of the mixed model (a state's random-effect
/// block, the fixed-effect Schur complement; at most a few dozen rows), stored row-major in flat arrays. Written out
/// because these run thousands of times per fit, where a general matrix library's allocations would dominate.
/// </summary>
internal static class SmallDense
{
    /// <summary>Factorises the n × n symmetric positive-definite <paramref name="a"/> in place into its lower factor L (A = L Lᵀ);
    /// false when it is not positive definite.</summary>
    public static bool Cholesky(Span<double> a, int n)
    {
        for (var j = 0; j < n; j++)
        {
            var d = a[j * n + j];
            for (var k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
            if (!(d > 0)) return false;
            d = Math.Sqrt(d);
            a[j * n + j] = d;
            for (var i = j + 1; i < n; i++)
            {
                var s = a[i * n + j];
                for (var k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
                a[i * n + j] = s / d;
            }
            for (var k = j + 1; k < n; k++) a[j * n + k] = 0;
        }
        return true;
    }

    /// <summary>log det A from its Cholesky factor.</summary>
    public static double LogDeterminant(ReadOnlySpan<double> l, int n)
    {
        var sum = 0.0;
        for (var i = 0; i < n; i++) sum += Math.Log(l[i * n + i]);
        return 2 * sum;
    }

    /// <summary>Solves L y = b in place (forward substitution).</summary>
    public static void SolveLower(ReadOnlySpan<double> l, int n, Span<double> b)
    {
        for (var i = 0; i < n; i++)
        {
            var s = b[i];
            for (var k = 0; k < i; k++) s -= l[i * n + k] * b[k];
            b[i] = s / l[i * n + i];
        }
    }

    /// <summary>Solves Lᵀ x = y in place (back substitution).</summary>
    public static void SolveUpper(ReadOnlySpan<double> l, int n, Span<double> y)
    {
        for (var i = n - 1; i >= 0; i--)
        {
            var s = y[i];
            for (var k = i + 1; k < n; k++) s -= l[k * n + i] * y[k];
            y[i] = s / l[i * n + i];
        }
    }

    /// <summary>Solves A x = b in place, given A's Cholesky factor.</summary>
    public static void Solve(ReadOnlySpan<double> l, int n, Span<double> b)
    {
        SolveLower(l, n, b);
        SolveUpper(l, n, b);
    }
}
