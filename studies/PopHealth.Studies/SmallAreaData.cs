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

    /// <summary>Direct (design-based) estimates by state of the given respondents (workbook's Taylor-linearised estimator).</summary>
    public static IReadOnlyDictionary<int, WeightedPrevalence> Direct(IReadOnlyList<SmallAreaRespondent> respondents)
    {
        var outcome = respondents.Select(r => r.FairPoor is { } y ? y ? 1.0 : 0.0 : (double?)null).ToArray();
        var weight = respondents.Select(r => r.Weight).ToArray();
        var state = respondents.Select(r => (string?)r.State.ToString(CultureInfo.InvariantCulture)).ToArray();
        var stratum = respondents.Select(r => r.Stratum).ToArray();
        return SurveyEstimates.Prevalence(outcome, weight, state, stratum).ToDictionary(e => int.Parse(e.Group, CultureInfo.InvariantCulture));
    }
}
