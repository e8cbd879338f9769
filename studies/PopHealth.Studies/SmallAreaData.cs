using System.Globalization;
using PopHealth.Features;
using PopHealth.Ingest;
using PopHealth.Ingest.Census;
using PopHealth.Population.SmallArea;

namespace PopHealth.Studies;

/// <summary>The real 2016 extract as small-area respondents, the Census tables, the frame and the full-sample direct estimates.</summary>
internal sealed record SmallAreaData(
    BrfssTable Table,
    CellScheme Scheme,
    IReadOnlyList<SmallAreaRespondent> Respondents,
    PostStratificationFrame Frame)
{
    /// <summary>Converts the extract once (into <paramref name="work"/>) and builds the 2016 frame from the shipped Census tables.</summary>
    public static async Task<SmallAreaData> LoadAsync(string extract, string work)
    {
        Directory.CreateDirectory(work);
        var parquet = Path.Combine(work, "brfss2016.parquet");
        if (!File.Exists(parquet)) await BrfssConverter.ConvertAsync(extract, parquet);
        var table = await BrfssTable.ReadAsync(parquet);
        var scheme = CellScheme.For(table.Profile);
        var respondents = SmallAreaRespondents.FromBrfss(table, scheme);
        var frame = PostStratificationFrame.Build(scheme, respondents, CensusPopulation.Shipped, 2016);
        return new SmallAreaData(table, scheme, respondents, frame);
    }

    /// <summary>States whose whole sample is present (the frame's own-weights sources).</summary>
    public IReadOnlyList<int> FullyPresent => Frame.States.Where(s => s.FullyPresent).Select(s => s.State).ToArray();

    /// <summary>The frame restricted to <paramref name="states"/>.</summary>
    public PostStratificationFrame FrameOf(IEnumerable<int> states) => new(Scheme, states.Select(s => Frame[s]!));

    /// <summary>The key of a direct estimate: state, dimension and group ("6|all|all", "6|age|65+", "6|sex|female").</summary>
    public static string Key(int state, string dimension, string group) =>
        string.Create(CultureInfo.InvariantCulture, $"{state}|{dimension}|{group}");

    /// <summary>
    /// Direct (design-based) estimates of the given respondents (the workbook's Taylor-linearised estimator; each group a domain
    /// of the whole design): by state, and by state × report age band and state × sex.
    /// </summary>
    public static IReadOnlyDictionary<string, WeightedPrevalence> Direct(IReadOnlyList<SmallAreaRespondent> respondents, CellScheme scheme)
    {
        var outcome = respondents.Select(r => r.FairPoor is { } y ? y ? 1.0 : 0.0 : (double?)null).ToArray();
        var weight = respondents.Select(r => r.Weight).ToArray();
        var stratum = respondents.Select(r => r.Stratum).ToArray();
        var result = new Dictionary<string, WeightedPrevalence>();
        void Add(string dimension, Func<SmallAreaRespondent, string?> label)
        {
            var keys = respondents.Select(r => label(r) is { } l ? Key(r.State, dimension, l) : null).ToArray();
            foreach (var e in SurveyEstimates.Prevalence(outcome, weight, keys, stratum)) result[e.Group] = e;
        }
        Add("all", _ => "all");
        Add("age", r => r.Age is { } a ? AgeBand.Report.First(b => b.Covers(AgeBand.FiveYear[a - 1].Low)).Label : null);
        Add("sex", r => r.Sex is { } s ? scheme.Variables[scheme.IndexOf(CellScheme.Sex)].Levels[s - 1] : null);
        return result;
    }
}
