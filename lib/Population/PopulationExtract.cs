using System.Globalization;
using Parquet.Schema;
using PopHealth.Ingest;
using PopHealth.Workbook;

namespace PopHealth.Population;

/// <summary>One column of the extract: its name, Parquet type and meaning (the data dictionary).</summary>
public sealed record ExtractColumn(string Name, string Type, bool Nullable, string Meaning);

/// <summary>
/// The BI extract: <c>report/population_estimates.parquet</c> (page checksums, as every Parquet file the workbook writes) and
/// <c>population_estimates.csv</c> (<see cref="CsvText"/>: UTF-8, comma, header row), one row per
/// <see cref="PopulationEstimate"/>, exactly the columns of <see cref="Columns"/> in that order. The rows are checked first
/// (a bad row is an error naming it) and both files are committed together: written beside their targets, then renamed, so a
/// failure leaves the previous pair (or none) in place.
/// </summary>
public static class PopulationExtract
{
    public const string ParquetFileName = "population_estimates.parquet";
    public const string CsvFileName = "population_estimates.csv";

    private sealed record Spec(ExtractColumn Column, DataField Field, Func<PopulationEstimate, object?> Get);

    private static readonly Spec[] Specs =
    [
        Text("geo_level", false, "all (every respondent of the source) or state", e => e.GeoLevel),
        Text("geo_fips", true, "two-digit state FIPS code as text (\"06\"); empty for all", e => e.GeoFips),
        Text("geo_abbr", true, "USPS state abbreviation (\"CA\"); empty for all", e => e.GeoAbbr),
        Text("group_dim", false, "all, age, sex, income, education, or a crossing such as sex x age", e => e.GroupDim),
        Text("group_value", false,
            "the group's level: all; 25-34; female; under $15k; college graduate; for a crossing the levels joined by \" x \" (female x 25-34)",
            e => e.GroupValue),
        Text("measure", false, "fair_poor_health: CDC's _RFHLTH = 2 (fair or poor self-rated health) among respondents answering 1 or 2",
            e => e.Measure),
        Text("method", false, "direct (design-based from the respondents) or model (small-area model)", e => e.Method),
        Number("value", "estimate, percent (0-100); empty when suppressed", e => e.Value),
        Number("ci_low", "lower end of the 95 % confidence interval, percent; empty when suppressed", e => e.CiLow),
        Number("ci_high", "upper end of the 95 % confidence interval, percent; empty when suppressed", e => e.CiHigh),
        Number("se", "standard error, percentage points; empty when suppressed", e => e.Se),
        new(new("n", "INT64", true, "respondents with a known answer in the group (the estimate's denominator)"), new DataField<long?>("n"),
            e => e.N),
        Number("population",
            "weighted adults the group's respondents represent (all of them, whatever their answer); empty when the source has no weights " +
            "(unweighted estimate)", e => e.Population),
        new(new("suppressed", "BOOLEAN", false, "true when the value is withheld (see suppression_reason)"), new DataField<bool>("suppressed"),
            e => e.Suppressed),
        Text("suppression_reason", true, "why the value is withheld; empty when shown", e => e.SuppressionReason),
        Number("coverage",
            "the geography's sum of weights over its Census adults (about 1 when a state's whole sample is present; for all, " +
            "over the United States' adults); empty where unknown (no weights, Guam, the Virgin Islands, a year without a Census table)",
            e => e.Coverage),
        new(new("partial", "BOOLEAN", true,
            "true when coverage is below 0.9: the respondents are part of the geography's sample and the estimate is not its figure; " +
            "empty where coverage is unknown"),
            new DataField<bool?>("partial"), e => e.Partial),
        Text("model_version", true, "the model's version for model rows; empty for direct rows", e => e.ModelVersion),
    ];

    private static Spec Text(string name, bool nullable, string meaning, Func<PopulationEstimate, string?> get) =>
        new(new(name, "STRING", nullable, meaning), new DataField<string>(name, nullable), get);

    private static Spec Number(string name, string meaning, Func<PopulationEstimate, double?> get) =>
        new(new(name, "DOUBLE", true, meaning), new DataField<double?>(name), e => get(e));

    private static readonly Spec YearSpec = new(new("year", "INT32", false, "survey year"), new DataField<int>("year"), e => e.Year);

    /// <summary>The extract's columns, in order: the data dictionary.</summary>
    public static IReadOnlyList<ExtractColumn> Columns { get; } = [YearSpec.Column, .. Specs.Select(s => s.Column)];

    private static IEnumerable<Spec> All => [YearSpec, .. Specs];

    /// <summary>
    /// Checks <paramref name="rows"/> and writes both files into <paramref name="reportFolder"/>, <paramref name="metadata"/>
    /// (e.g. <see cref="DirectEstimates.Metadata"/>) as the Parquet file's key-value metadata. Returns the two paths.
    /// </summary>
    public static async Task<(string Parquet, string Csv)> WriteAsync(string reportFolder, IReadOnlyList<PopulationEstimate> rows,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        Check(rows);
        var parquet = Path.GetFullPath(Path.Combine(reportFolder, ParquetFileName));
        var csv = Path.GetFullPath(Path.Combine(reportFolder, CsvFileName));
        Directory.CreateDirectory(Path.GetDirectoryName(parquet)!);
        var (parquetPart, csvPart) = (AtomicFile.TemporaryPathFor(parquet), AtomicFile.TemporaryPathFor(csv));
        try
        {
            var schema = new ParquetSchema(All.Select(s => s.Field).ToArray());
            await ParquetFrames.WriteAsync(parquetPart, schema, async writer =>
            {
                using var group = writer.CreateRowGroup();
                foreach (var spec in All) await WriteColumn(group, spec, rows);
            }, metadata);
            CsvText.WriteFile(csvPart, Columns.Select(c => c.Name).ToArray(),
                rows.Select(r => (IReadOnlyList<object?>)All.Select(s => s.Get(r)).ToArray()));
            CommitPair(parquetPart, parquet, csvPart, csv);
            return (parquet, csv);
        }
        finally
        {
            foreach (var part in new[] { parquetPart, csvPart }) if (File.Exists(part)) File.Delete(part);
        }
    }

    /// <summary>
    /// Renames both finished files onto their targets; if the second rename fails, the first target gets its previous file
    /// back (or goes), so the folder never holds a new Parquet file beside an old CSV.
    /// </summary>
    private static void CommitPair(string parquetPart, string parquet, string csvPart, string csv)
    {
        var previous = File.Exists(parquet) ? AtomicFile.TemporaryPathFor(parquet) : null;
        if (previous is not null) File.Copy(parquet, previous);
        try
        {
            File.Move(parquetPart, parquet, overwrite: true);
            File.Move(csvPart, csv, overwrite: true);
        }
        catch
        {
            if (previous is not null) File.Move(previous, parquet, overwrite: true);
            else if (File.Exists(parquet)) File.Delete(parquet);
            throw;
        }
        finally
        {
            if (previous is not null && File.Exists(previous)) File.Delete(previous);
        }
    }

    private static async Task WriteColumn(Parquet.ParquetRowGroupWriter group, Spec spec, IReadOnlyList<PopulationEstimate> rows)
    {
        var values = rows.Select(spec.Get).ToArray();
        switch (spec.Field.ClrType)
        {
            case var t when t == typeof(int):
                await group.WriteAsync<int>(spec.Field, values.Select(v => (int)v!).ToArray());
                break;
            case var t when t == typeof(bool) && !spec.Field.IsNullable:
                await group.WriteAsync<bool>(spec.Field, values.Select(v => (bool)v!).ToArray());
                break;
            case var t when t == typeof(bool):
                await group.WriteAsync(spec.Field, new ReadOnlyMemory<bool?>(values.Select(v => (bool?)v).ToArray()));
                break;
            case var t when t == typeof(long):
                await group.WriteAsync(spec.Field, new ReadOnlyMemory<long?>(values.Select(v => (long?)v).ToArray()));
                break;
            case var t when t == typeof(double):
                await group.WriteAsync(spec.Field, new ReadOnlyMemory<double?>(values.Select(v => (double?)v).ToArray()));
                break;
            default:
                await group.WriteAsync(spec.Field, values.Select(v => (string?)v).ToArray());
                break;
        }
    }

    /// <summary>
    /// Refuses rows a BI reader would misread, naming the first bad one: unknown level or method, a state without its FIPS and
    /// abbreviation (or all with them), a number that is not finite or out of range, an interval that does not hold its value,
    /// a suppressed row with a value (or a shown one without), a model row without a version, a row repeated.
    /// </summary>
    public static void Check(IReadOnlyList<PopulationEstimate> rows)
    {
        var keys = new HashSet<string>();
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            var key = $"{r.Year} {r.GeoLevel} {r.GeoFips} {r.GroupDim}={r.GroupValue} {r.Measure} {r.Method} {r.ModelVersion}".Trim();
            if (Problem(r) is { } problem) throw new InvalidDataException($"Population estimate row {i + 1} ({key}): {problem}.");
            if (!keys.Add(key))
                throw new InvalidDataException($"Population estimate row {i + 1} ({key}) repeats an earlier row's year, geography, group, measure, " +
                    $"method and model version.");
        }
    }

    private static string? Problem(PopulationEstimate r)
    {
        bool Bad(double? x, double low, double high) => x is { } v && (!double.IsFinite(v) || v < low || v > high);
        if (r.GeoLevel == PopulationEstimate.StateLevel
            && (r.GeoFips is not { Length: 2 } fips || !fips.All(char.IsAsciiDigit) || string.IsNullOrEmpty(r.GeoAbbr)))
            return "a state row needs its two-digit geo_fips and its geo_abbr";
        if (r.GeoLevel == PopulationEstimate.AllLevel && (r.GeoFips is not null || r.GeoAbbr is not null))
            return "an 'all' row has no geo_fips or geo_abbr";
        if (r.GeoLevel is not (PopulationEstimate.AllLevel or PopulationEstimate.StateLevel)) return $"geo_level '{r.GeoLevel}' is not all or state";
        if (r.Method is not (PopulationEstimate.Direct or PopulationEstimate.Model)) return $"method '{r.Method}' is not direct or model";
        if ((r.Method == PopulationEstimate.Model) != !string.IsNullOrEmpty(r.ModelVersion))
            return "model rows, and only they, carry a model_version";
        if (string.IsNullOrEmpty(r.GroupDim) || string.IsNullOrEmpty(r.GroupValue) || string.IsNullOrEmpty(r.Measure))
            return "group_dim, group_value and measure are required";
        if (Bad(r.Value, 0, 100) || Bad(r.CiLow, 0, 100) || Bad(r.CiHigh, 0, 100)) return "value and interval are percentages between 0 and 100";
        if (Bad(r.Se, 0, double.MaxValue) || Bad(r.Population, 0, double.MaxValue) || Bad(r.Coverage, 0, double.MaxValue) || r.N < 0)
            return "se, n, population and coverage are finite and not negative";
        if (r.Value is { } v && (r.CiLow > v || r.CiHigh < v)) return "the interval does not hold the value";
        if (r.Suppressed && (r.Value ?? r.CiLow ?? r.CiHigh ?? r.Se) is not null) return "a suppressed row has no value, interval or standard error";
        if (r.Suppressed == string.IsNullOrEmpty(r.SuppressionReason)) return "a suppressed row, and only it, carries a suppression_reason";
        if (!r.Suppressed && r.Value is null) return "a row that is not suppressed has a value";
        return null;
    }

    /// <summary>Reads an extract's Parquet file (page checksums verified), checking its columns are the extract's.</summary>
    public static async Task<IReadOnlyList<PopulationEstimate>> ReadAsync(string parquetPath)
    {
        var frame = await ParquetFrames.ReadAsync(parquetPath);
        var names = frame.Columns.Select(c => c.Name).ToArray();
        if (!names.SequenceEqual(Columns.Select(c => c.Name)))
            throw new InvalidDataException($"{parquetPath}: columns {string.Join(", ", names)}; " +
                $"a population estimates extract has {string.Join(", ", Columns.Select(c => c.Name))}.");
        var cells = Enumerable.Range(0, (int)frame.Rows.Count).Select(i => names.Select(n => frame.Columns[n][i]).ToArray());
        return cells.Select(c => FromCells(c, parquetPath)).ToArray();
    }

    /// <summary>Reads an extract's CSV file (the header must be the extract's), each field parsed by its column's type.</summary>
    public static IReadOnlyList<PopulationEstimate> ReadCsv(string csvPath)
    {
        using var records = new CsvRecords(new StreamReader(csvPath), csvPath);
        var header = records.Next(Columns.Count + 1) ? Enumerable.Range(0, records.FieldCount).Select(i => records.Field(i).ToString()).ToArray()
            : [];
        if (!header.SequenceEqual(Columns.Select(c => c.Name)))
            throw new InvalidDataException($"{csvPath}: header {string.Join(",", header)}; " +
                $"a population estimates extract has {string.Join(",", Columns.Select(c => c.Name))}.");
        var rows = new List<PopulationEstimate>();
        while (records.Next(Columns.Count))
        {
            if (records.FieldCount != Columns.Count)
                throw new InvalidDataException($"{csvPath}: line {records.Line}: {records.FieldCount} fields for {Columns.Count} columns.");
            rows.Add(FromCells(Columns.Select((c, k) => ParseField(records.Field(k).ToString(), c, csvPath, records.Line)).ToArray(), csvPath));
        }
        return rows;
    }

    private static object? ParseField(string text, ExtractColumn column, string path, long line)
    {
        if (text.Length == 0) return column.Type == "STRING" && !column.Nullable ? "" : null;
        bool ok;
        object? value;
        switch (column.Type)
        {
            case "INT32": ok = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i); value = i; break;
            case "INT64": ok = long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l); value = l; break;
            case "DOUBLE": ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d); value = d; break;
            case "BOOLEAN": ok = bool.TryParse(text, out var b); value = b; break;
            default: return text;
        }
        return ok ? value : throw new InvalidDataException($"{path}: line {line}, column {column.Name}: '{text}' is not {column.Type}.");
    }

    private static PopulationEstimate FromCells(object?[] c, string path)
    {
        T? As<T>(int k) => c[k] is T v ? v : default;
        if (c[0] is not int year || c[14] is not bool suppressed)
            throw new InvalidDataException($"{path}: a row without its year or suppressed flag.");
        return new PopulationEstimate(year, As<string>(1)!, As<string>(2), As<string>(3), As<string>(4)!, As<string>(5)!, As<string>(6)!,
            As<string>(7)!, c[8] as double?, c[9] as double?, c[10] as double?, c[11] as double?, c[12] as long?, c[13] as double?, suppressed,
            As<string>(15), c[16] as double?, c[17] as bool?, As<string>(18));
    }
}
