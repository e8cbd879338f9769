using System.Globalization;
using PopHealth.Workbook;

namespace PopHealth.Ingest;

/// <summary>
/// The survey year a BRFSS file states about itself, counted while it is converted: a non-empty <c>YEAR</c> column (a
/// survey year, as extracts carry it), else <c>IYEAR</c> (CDC's interview year: year Y's survey interviews in Y and into
/// the first months of Y+1). Variable names never tell the year: 2023's and 2024's files name their variables alike, and
/// so do the grouped national extracts of every year, though their codes differ.
/// </summary>
public sealed class StatedYear
{
    public const string SurveyYearColumn = "YEAR";
    public const string InterviewYearColumn = "IYEAR";

    /// <summary>More distinct values than this in a year column: it does not hold years.</summary>
    private const int MaxDistinct = 16;

    private readonly string source;
    private readonly Column? survey, interview;

    /// <param name="columns">The source's columns (their positions are the ones <see cref="Add"/> reads).</param>
    /// <param name="source">The file, for messages.</param>
    public StatedYear(IReadOnlyList<SourceColumn> columns, string source)
    {
        this.source = source;
        Column? Find(string name)
        {
            var i = columns.ToList().FindIndex(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
            return i < 0 ? null : new Column(columns[i].Name, i, columns[i].Kind);
        }
        survey = Find(SurveyYearColumn);
        interview = Find(InterviewYearColumn);
    }

    /// <summary>Counts the year columns' values in <paramref name="block"/>.</summary>
    public void Add(RowBlock block)
    {
        survey?.Add(block);
        interview?.Add(block);
    }

    /// <summary>
    /// The survey year: the one <paramref name="given"/> names (<c>POPHEALTH_YEAR</c>), which must agree with what the file
    /// states, else the file's own. A file that states none, or states it ambiguously, needs <paramref name="given"/>: the
    /// workbook refuses rather than guess. <paramref name="known"/> lists the years it has profiles for, for the message.
    /// </summary>
    public int Resolve(int? given, IReadOnlyList<int> known)
    {
        var surveyYears = survey?.Years(source) ?? [];
        var interviewYears = interview?.Years(source) ?? [];
        var setIt = $"Set {WorkbookVariables.Year} to the survey year of {source} (the workbook has profiles for {string.Join(", ", known)}).";
        if (surveyYears.Count > 0)
        {
            if (surveyYears.Count > 1)
                throw new InvalidDataException($"{source}: its {survey!.Name} column holds several survey years ({Describe(surveyYears)}); " +
                    $"convert each year's rows as a source of its own, with its year in {WorkbookVariables.Year}.");
            var year = surveyYears.Keys.Single();
            if (given is { } g && g != year)
                throw new InvalidDataException($"{WorkbookVariables.Year}={g}, " +
                    $"but {source} states survey year {year} in its {survey!.Name} column. Set {WorkbookVariables.Year} to {year}, " +
                    $"or point {WorkbookVariables.Input} at the {g} file.");
            return year;
        }
        if (interviewYears.Count > 0)
        {
            var years = interviewYears.Keys.Order().ToArray();
            if (given is { } g)
            {
                if (years.All(y => y == g || y == g + 1)) return g;
                throw new InvalidDataException($"{WorkbookVariables.Year}={g}, but {source}'s interviews " +
                    $"({interview!.Name}: {Describe(interviewYears)}) are not those of survey year {g} (held in {g} and early {g + 1}). " +
                    $"Set {WorkbookVariables.Year} to the file's survey year, or point {WorkbookVariables.Input} at the {g} file.");
            }
            if (years.Length == 1 || (years.Length == 2 && years[1] == years[0] + 1 && interviewYears[years[0]] > interviewYears[years[1]]))
                return years[0];
            throw new InvalidDataException($"{source}: its interview years ({interview!.Name}: {Describe(interviewYears)}) " +
                $"do not tell one survey year (year Y's survey interviews in Y and early Y+1). {setIt}");
        }
        if (given is { } only) return only;
        var empty = survey is not null ? $" (its {survey.Name} column is empty)" : "";
        throw new InvalidDataException($"{source}: the file does not state its survey year: " +
            $"no {InterviewYearColumn} column{(survey is null ? $" and no {SurveyYearColumn}" : "")}{empty}, " +
            $"and the variables' names do not tell the year (the same names carry different codes in different years). {setIt}");
    }

    private static string Describe(SortedDictionary<int, long> years) =>
        string.Join(", ",
            years.Select(y => $"{y.Key.ToString(CultureInfo.InvariantCulture)} × {y.Value.ToString("N0", CultureInfo.InvariantCulture)}"));

    /// <summary>One year column: its distinct values (numbers, or text as written) and how often each occurs.</summary>
    private sealed class Column(string name, int index, ColumnKind kind)
    {
        private readonly Dictionary<double, long> numbers = [];
        private readonly Dictionary<string, long> texts = new(StringComparer.Ordinal);
        private bool tooMany;

        public string Name => name;

        public void Add(RowBlock block)
        {
            if (tooMany) return;
            if (kind == ColumnKind.Numeric)
                foreach (var v in block.Present[index]!.AsSpan(0, block.PresentCount[index])) Count(numbers, v);
            else
                foreach (var t in block.Texts[index]!.AsSpan(0, block.RowCount))
                    if (!string.IsNullOrWhiteSpace(t)) Count(texts, t.Trim());
        }

        private void Count<T>(Dictionary<T, long> counts, T value) where T : notnull
        {
            counts[value] = counts.GetValueOrDefault(value) + 1;
            if (counts.Count > MaxDistinct) tooMany = true;
        }

        /// <summary>The years the column holds, with their counts; a value that is not a year is an error naming it.</summary>
        public SortedDictionary<int, long> Years(string source)
        {
            if (tooMany)
                throw new InvalidDataException($"{source}: its {name} column holds more than {MaxDistinct} different values, " +
                    $"so it does not hold survey or interview years; rename it, or remove it.");
            var years = new SortedDictionary<int, long>();
            var values = numbers.Select(n => (Text: n.Key.ToString(CultureInfo.InvariantCulture), n.Value))
                .Concat(texts.Select(t => (Text: t.Key, t.Value)));
            foreach (var (text, count) in values)
            {
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var year)
                    || year is < WorkbookParameters.MinYear or > WorkbookParameters.MaxYear)
                    throw new InvalidDataException($"{source}: its {name} column holds '{text}', which is not a year " +
                        $"({WorkbookParameters.MinYear}-{WorkbookParameters.MaxYear}); correct the column, or remove it.");
                years[year] = years.GetValueOrDefault(year) + count;
            }
            return years;
        }
    }
}
