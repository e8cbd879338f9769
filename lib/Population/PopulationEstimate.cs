namespace PopHealth.Population;

/// <summary>
/// One estimate of the BI extract (<c>report/population_estimates.parquet</c> / <c>.csv</c>), one row per year x geography x
/// group x measure x method, in PLACES' long layout; the direct (design-based) and the model-based estimates both produce it.
/// Percentages are 0-100; a suppressed estimate keeps <see cref="N"/> and <see cref="Population"/> and has no value, interval
/// or standard error. The columns and their meaning: <see cref="PopulationExtract.Columns"/> and the data dictionary.
/// </summary>
/// <param name="Year">Survey year.</param>
/// <param name="GeoLevel"><see cref="AllLevel"/> (every respondent of the source) or <see cref="StateLevel"/>.</param>
/// <param name="GeoFips">Two-digit state FIPS text ("06"); null for <see cref="AllLevel"/>.</param>
/// <param name="GeoAbbr">USPS abbreviation ("CA"); null for <see cref="AllLevel"/>.</param>
/// <param name="GroupDim"><c>all</c>, <c>age</c>, <c>sex</c>, <c>income</c>, <c>education</c>, or a crossing such as <c>sex x age</c>.</param>
/// <param name="GroupValue">The group's level (<c>all</c>; <c>25-34</c>; for a crossing the levels joined by " x ": <c>female x 25-34</c>).</param>
/// <param name="Measure"><see cref="FairPoorHealth"/>.</param>
/// <param name="Method"><see cref="Direct"/> or <see cref="Model"/>.</param>
/// <param name="Value">Estimate, percent; null when suppressed.</param>
/// <param name="CiLow">Lower end of the interval (the confidence of the options; 95 % by default), percent.</param>
/// <param name="Se">Standard error, percentage points.</param>
/// <param name="N">Respondents with a known answer in the group (the estimate's denominator).</param>
/// <param name="Population">Weighted adults the group's respondents represent (every respondent of the group, whatever
/// the answer); null when the source has no weights.</param>
/// <param name="Suppressed">Whether the value is withheld (too few respondents, or too imprecise).</param>
/// <param name="SuppressionReason">Why, in words; null when not suppressed.</param>
/// <param name="Coverage">The geography's weights over its Census adults (0-1+); null where unknown.</param>
/// <param name="Partial">Coverage below the partial threshold (0.9 by default): the respondents are not the whole
/// state's sample, and the estimate is not the state's figure. Null where coverage is unknown.</param>
/// <param name="ModelVersion">The model's version for <see cref="Model"/> rows; null for direct rows.</param>
public sealed record PopulationEstimate(
    int Year, string GeoLevel, string? GeoFips, string? GeoAbbr, string GroupDim, string GroupValue, string Measure, string Method,
    double? Value, double? CiLow, double? CiHigh, double? Se, long? N, double? Population, bool Suppressed, string? SuppressionReason,
    double? Coverage, bool? Partial, string? ModelVersion)
{
    public const string AllLevel = "all";
    public const string StateLevel = "state";
    /// <summary>The group dimension and value of a geography's estimate over all its respondents.</summary>
    public const string AllGroups = "all";
    /// <summary>Fair or poor self-rated health: CDC's <c>_RFHLTH</c> = 2 among 1 and 2.</summary>
    public const string FairPoorHealth = "fair_poor_health";
    public const string Direct = "direct";
    public const string Model = "model";
    /// <summary>Joins the dimensions of a crossing (<c>sex x age</c>) and their levels (<c>female x 25-34</c>).</summary>
    public const string CrossingSeparator = " x ";

    /// <summary>
    /// The two dimensions of a crossing (<c>sex x age</c>), or null when it is not two different names joined by
    /// <see cref="CrossingSeparator"/>.
    /// </summary>
    public static (string First, string Second)? CrossingParts(string crossing)
    {
        var parts = crossing.Split(CrossingSeparator, StringSplitOptions.TrimEntries);
        return parts.Length == 2 && parts[0] != parts[1] ? (parts[0], parts[1]) : null;
    }

    /// <summary>
    /// What must be said wherever the value is shown (a chart label, a table cell): "partial: weights cover 2.6 % of the
    /// adults" for a partial geography, "coverage unknown" for a direct state estimate without a Census figure, "unweighted" for a
    /// direct estimate without weights; joined by "; ", empty when none applies.
    /// </summary>
    public string Caveat => string.Join("; ", new[]
    {
        Partial == true
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"partial: weights cover {100 * Coverage:0.0} % of the adults") : null,
        Partial is null && Method == Direct && GeoLevel == StateLevel && Population is not null ? "coverage unknown" : null,
        Method == Direct && Population is null ? "unweighted" : null,
    }.OfType<string>());
}
