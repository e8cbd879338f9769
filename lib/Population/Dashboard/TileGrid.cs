namespace PopHealth.Population.Dashboard;

/// <summary>
/// A tile-grid map of the states: one square per state, placed roughly where it lies, so a state map needs no base map,
/// tile server or shapes (plotly.js's geographic maps fetch their topojson from a CDN, which an offline page cannot).
/// The layout is the common 12 x 8 grid used by news graphics; the territories BRFSS samples sit on the bottom row.
/// </summary>
public static class TileGrid
{
    /// <summary>Row (0 at the top) and column (0 at the left) of each state's tile, by USPS abbreviation.</summary>
    public static IReadOnlyDictionary<string, (int Row, int Column)> Tiles { get; } = Build();

    /// <summary>The tile of the state with abbreviation <paramref name="abbreviation"/>, or null when it has none.</summary>
    public static (int Row, int Column)? Tile(string abbreviation) =>
        Tiles.TryGetValue(abbreviation, out var tile) ? tile : null;

    private static Dictionary<string, (int, int)> Build()
    {
        string[] rows =
        [
            "AK . . . . . . . . . . ME",
            ". . . . . . . . . . VT NH",
            "WA ID MT ND MN IL WI MI NY RI MA .",
            "OR NV WY SD IA IN OH PA NJ CT . .",
            "CA UT CO NE MO KY WV VA MD DE . .",
            ". AZ NM KS AR TN NC SC DC . . .",
            ". . . OK LA MS AL GA . . . .",
            "HI GU . TX . . . . FL . PR VI",
        ];
        var tiles = new Dictionary<string, (int, int)>();
        for (var r = 0; r < rows.Length; r++)
        {
            var cells = rows[r].Split(' ');
            for (var c = 0; c < cells.Length; c++)
                if (cells[c] != ".") tiles.Add(cells[c], (r, c));
        }
        return tiles;
    }
}
