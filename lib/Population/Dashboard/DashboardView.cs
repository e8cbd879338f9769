using System.Globalization;
using System.Text.Json;

namespace PopHealth.Population.Dashboard;

/// <summary>One geography the dashboard lists: a state (with its tile) or the whole source (<c>US</c>, no tile).</summary>
internal sealed record DashboardGeography(string Key, string Abbreviation, string Name, (int Row, int Column)? Tile);

/// <summary>A group dimension and its levels, in the order the estimates give them.</summary>
internal sealed record DashboardDimension(string Name, IReadOnlyList<string> Levels);

/// <summary>
/// The estimates arranged for the page: the latest year's rows, keyed by geography, group and method; the geographies in
/// name order (the whole source first); the single group dimensions (crossings stay in the extract).
/// </summary>
internal sealed class DashboardView
{
    /// <summary>The key of the whole source's rows (geo_level all).</summary>
    public const string AllKey = "US";

    public required int Year { get; init; }
    public required string Title { get; init; }
    public required IReadOnlyList<DashboardGeography> Geographies { get; init; }
    public required IReadOnlyList<DashboardDimension> Dimensions { get; init; }
    public required IReadOnlyList<PopulationEstimate> Rows { get; init; }
    public required IReadOnlyList<int> OtherYears { get; init; }
    private Dictionary<(string, string, string, string), PopulationEstimate> ByKey { get; init; } = [];

    public bool HasStates => Geographies.Any(g => g.Key != AllKey);

    public static DashboardView Of(DashboardContent content)
    {
        var year = content.Estimates.Max(e => e.Year);
        var rows = content.Estimates.Where(e => e.Year == year && e.Measure == PopulationEstimate.FairPoorHealth).ToArray();
        var geographies = rows.Where(r => r.GeoLevel == PopulationEstimate.StateLevel)
            .Select(r => (r.GeoFips!, r.GeoAbbr!)).Distinct()
            .Select(s => new DashboardGeography(s.Item1, s.Item2, UsStates.Find(int.Parse(s.Item1, CultureInfo.InvariantCulture))?.Name ?? s.Item2,
                TileGrid.Tile(s.Item2)))
            .OrderBy(g => g.Name, StringComparer.Ordinal).ToList();
        if (rows.Any(r => r.GeoLevel == PopulationEstimate.AllLevel)) geographies.Insert(0, new(AllKey, AllKey, "All respondents", null));
        var dimensions = rows
            .Where(r => r.GroupDim != PopulationEstimate.AllGroups
                && !r.GroupDim.Contains(PopulationEstimate.CrossingSeparator, StringComparison.Ordinal))
            .GroupBy(r => r.GroupDim).Select(g => new DashboardDimension(g.Key, g.Select(r => r.GroupValue).Distinct().ToArray())).ToArray();
        return new DashboardView
        {
            Year = year,
            Title = string.Create(CultureInfo.InvariantCulture, $"Adults in fair or poor health, {year}"),
            Geographies = geographies,
            Dimensions = dimensions,
            Rows = rows,
            OtherYears = content.Estimates.Select(e => e.Year).Where(y => y != year).Distinct().Order().ToArray(),
            ByKey = rows.GroupBy(Key).ToDictionary(g => g.Key, g => g.First()),
        };
    }

    private static (string, string, string, string) Key(PopulationEstimate e) => (e.GeoFips ?? AllKey, e.GroupDim, e.GroupValue, e.Method);

    /// <summary>The estimate of a geography (its <see cref="DashboardGeography.Key"/>), group and method, or null.</summary>
    public PopulationEstimate? Find(string geography, string method, string dimension = PopulationEstimate.AllGroups,
        string value = PopulationEstimate.AllGroups) =>
        ByKey.GetValueOrDefault((geography, dimension, value, method));

    /// <summary>The page's embedded data: short keys keep a few thousand estimates small. Encoded safe to inline in a script tag.</summary>
    public string Json() => JsonSerializer.Serialize(new
    {
        year = Year,
        states = Geographies.Select(g => new { fips = g.Key, abbr = g.Abbreviation, name = g.Name, row = g.Tile?.Row, col = g.Tile?.Column }),
        dimensions = Dimensions.Select(d => new { name = d.Name, levels = d.Levels }),
        estimates = Rows.Select(e => new
        {
            f = e.GeoFips ?? AllKey, d = e.GroupDim, v = e.GroupValue, m = e.Method, x = e.Value, lo = e.CiLow, hi = e.CiHigh, n = e.N,
            p = e.Partial == true, r = e.SuppressionReason, c = e.Coverage,
        }),
    });
}
