using System.Globalization;
using PopHealth.Ingest.Codebook;

namespace PopHealth.Ingest;

/// <summary>How many respondents carry one of a variable's missing codes (or a blank).</summary>
public sealed record MissingCodeCount(string Variable, string Code, string Label, long Count, double Share);

/// <summary>
/// Counts of each variable's CDC missing codes (don't know, refused, not asked: <see cref="BrfssCodes.MissingCodes"/>)
/// and blanks, added up over chunks of rows. The converter keeps one while it writes, so nothing reads the table again
/// to count them.
/// </summary>
public sealed class MissingCodeTally
{
    private readonly string[] variables;
    private readonly double[][] codes;
    private readonly long[][] counts;
    private readonly long[] blanks;
    private long rows;

    /// <param name="variables">Variables to count (2024 names; duplicates counted once).</param>
    public MissingCodeTally(IEnumerable<string> variables)
    {
        this.variables = variables.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        codes = this.variables.Select(v => BrfssCodes.MissingCodes(v).ToArray()).ToArray();
        counts = codes.Select(c => new long[c.Length]).ToArray();
        blanks = new long[this.variables.Length];
    }

    public IReadOnlyList<string> Variables => variables;

    /// <summary>Rows counted so far.</summary>
    public long Rows => rows;

    /// <summary>
    /// Adds <paramref name="count"/> rows; their values are added per variable by <see cref="AddValues"/> and
    /// <see cref="AddBlanks"/>.
    /// </summary>
    public void AddRows(long count) => rows += count;

    /// <summary>
    /// Counts the missing codes among <paramref name="present"/> values of variable number <paramref name="variable"/>
    /// (blanks excluded).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void AddValues(int variable, ReadOnlySpan<double> present)
    {
        var known = codes[variable];
        var tally = counts[variable];
        // One to three codes per variable: a short scan per value beats a hash lookup.
        foreach (var v in present)
            for (var c = 0; c < known.Length; c++)
                if (v == known[c]) { tally[c]++; break; }
    }

    /// <summary>Counts <paramref name="count"/> blanks (missing values) of variable number <paramref name="variable"/>.</summary>
    public void AddBlanks(int variable, long count) => blanks[variable] += count;

    /// <summary>Adds a column of nullable values: what a table read back holds.</summary>
    public void Add(int variable, IEnumerable<double?> values)
    {
        var present = new List<double>();
        foreach (var v in values)
            if (v is { } x) present.Add(x);
            else blanks[variable]++;
        AddValues(variable, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(present));
    }

    /// <summary>Index of <paramref name="variable"/> in <see cref="Variables"/>, or -1.</summary>
    public int IndexOf(string variable) => Array.FindIndex(variables, v => string.Equals(v, variable, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every variable's counts, each code with CDC's label, then its blanks; shares of all rows.</summary>
    public IReadOnlyList<MissingCodeCount> Counts()
    {
        var codebook = BrfssCodebook.Year2024;
        double Share(long n) => n / (double)Math.Max(1, rows);
        return variables
            .SelectMany((v, i) => codes[i]
                .Select((code, c) => new MissingCodeCount(v, code.ToString(CultureInfo.InvariantCulture), codebook.Label(v, code), counts[i][c],
                    Share(counts[i][c])))
            .Append(new MissingCodeCount(v, "blank", "not asked or missing", blanks[i], Share(blanks[i])))).ToArray();
    }

    /// <summary>
    /// Several tallies (one per survey year) as one table's: counts added per variable and code, shares of all their rows.
    /// A variable one year lacks is blank in all of that year's rows, as in the merged table.
    /// </summary>
    public static IReadOnlyList<MissingCodeCount> Combine(IReadOnlyList<MissingCodeTally> tallies)
    {
        var all = new MissingCodeTally(tallies.SelectMany(t => t.variables));
        foreach (var tally in tallies)
        {
            all.rows += tally.rows;
            for (var i = 0; i < all.variables.Length; i++)
            {
                var j = tally.IndexOf(all.variables[i]);
                if (j < 0) { all.blanks[i] += tally.rows; continue; }
                all.blanks[i] += tally.blanks[j];
                for (var c = 0; c < all.counts[i].Length; c++) all.counts[i][c] += tally.counts[j][c];
            }
        }
        return all.Counts();
    }
}
