using System.Globalization;
using PopHealth.Features;
using PopHealth.Ingest;
using PopHealth.Population.SmallArea;

namespace PopHealth.Studies;

/// <summary>The real 2016 extract as small-area respondents, the Census tables, the frame and the full-sample direct estimates.</summary>
internal sealed record SmallAreaData(
    BrfssTable Table,
    CellScheme Scheme,
    IReadOnlyList<SmallAreaRespondent> Respondents,
    IReadOnlyList<CensusAgeSexCount> Census,
    IReadOnlyDictionary<int, double> Adults,
    PostStratificationFrame Frame)
{
    public static async Task<SmallAreaData> LoadAsync(string extract, string censusFolder, string work)
    {
        Directory.CreateDirectory(work);
        var parquet = Path.Combine(work, "brfss2016.parquet");
        if (!File.Exists(parquet)) await BrfssConverter.ConvertAsync(extract, parquet);
        var table = await BrfssTable.ReadAsync(parquet);
        var scheme = CellScheme.For(table.Profile);
        var respondents = SmallAreaRespondents.FromBrfss(table, scheme);
        var census = ReadCensus(Path.Combine(censusFolder, "sc-est2016-agesex-civ.csv"));
        var adults = ReadAdults(Path.Combine(censusFolder, "scprc-est2016-18+pop-res.csv"));
        var frame = PostStratificationFrame.Build(scheme, respondents, census, adults);
        return new SmallAreaData(table, scheme, respondents, census, adults, frame);
    }

    /// <summary>States whose whole sample is present (the frame's own-weights sources).</summary>
    public IReadOnlyList<int> FullyPresent => Frame.States.Where(s => s.FullyPresent).Select(s => s.State).ToArray();

    /// <summary>The frame restricted to <paramref name="states"/>.</summary>
    public PostStratificationFrame FrameOf(IEnumerable<int> states) => new(Scheme, states.Select(s => Frame[s]!));

    /// <summary>Direct (design-based) estimates by state of the given respondents (workbook's Taylor-linearised estimator).</summary>
    public static IReadOnlyDictionary<int, WeightedPrevalence> Direct(IReadOnlyList<SmallAreaRespondent> respondents)
    {
        var outcome = respondents.Select(r => r.FairPoor is { } y ? y ? 1.0 : 0.0 : (double?)null).ToArray();
        var weight = respondents.Select(r => r.Weight).ToArray();
        var state = respondents.Select(r => (string?)r.State.ToString(CultureInfo.InvariantCulture)).ToArray();
        var stratum = respondents.Select(r => r.Stratum).ToArray();
        return SurveyEstimates.Prevalence(outcome, weight, state, stratum).ToDictionary(e => int.Parse(e.Group, CultureInfo.InvariantCulture));
    }

    /// <summary>Census civilian population by state, single year of age and sex, July 1, 2016 (SC-EST2016-AGESEX-CIV).</summary>
    private static List<CensusAgeSexCount> ReadCensus(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        int level = Array.IndexOf(header, "SUMLEV"), state = Array.IndexOf(header, "STATE"), sex = Array.IndexOf(header, "SEX"),
            age = Array.IndexOf(header, "AGE"), count = Array.IndexOf(header, "POPEST2016_CIV");
        if (new[] { level, state, sex, age, count }.Any(i => i < 0)) throw new InvalidDataException($"{path}: expected SUMLEV, STATE, SEX, AGE, POPEST2016_CIV.");
        var rows = new List<CensusAgeSexCount>();
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            if (int.Parse(f[level], CultureInfo.InvariantCulture) != 40) continue;
            int s = int.Parse(f[sex], CultureInfo.InvariantCulture), a = int.Parse(f[age], CultureInfo.InvariantCulture);
            if (s is 0 || a == 999) continue;
            rows.Add(new CensusAgeSexCount(int.Parse(f[state], CultureInfo.InvariantCulture), a, s, double.Parse(f[count], CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    /// <summary>Census resident adults 18+ by state, July 1, 2016 (SCPRC-EST2016-18+POP-RES).</summary>
    private static Dictionary<int, double> ReadAdults(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        int level = Array.IndexOf(header, "SUMLEV"), state = Array.IndexOf(header, "STATE"), adults = Array.IndexOf(header, "POPEST18PLUS2016");
        return lines.Skip(1).Select(l => l.Split(',')).Where(f => f[level] == "040")
            .ToDictionary(f => int.Parse(f[state], CultureInfo.InvariantCulture), f => double.Parse(f[adults], CultureInfo.InvariantCulture));
    }
}
