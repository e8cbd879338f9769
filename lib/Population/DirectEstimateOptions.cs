using System.Globalization;
using PopHealth.Features;
using PopHealth.Ingest.Census;

namespace PopHealth.Population;

/// <summary>Options of <see cref="DirectEstimator"/>; the defaults are CDC's rules for BRFSS direct estimates.</summary>
public sealed record DirectEstimateOptions
{
    /// <summary>An estimate from fewer respondents (with a known answer) is suppressed.</summary>
    public int MinRespondents { get; init; } = 50;
    /// <summary>An estimate whose relative standard error (SE / estimate) is above this is suppressed.</summary>
    public double MaxRelativeStandardError { get; init; } = 0.30;
    /// <summary>The intervals' confidence level.</summary>
    public double Confidence { get; init; } = 0.95;
    /// <summary>
    /// Crossings of two group dimensions estimated beside the single ones, written <c>"sex x age"</c>. The defaults are those
    /// whose state cells mostly survive suppression in the real 2016 extract (sex x age 9 %, sex x education 0 %, sex x income
    /// 1 % suppressed in the fully present states); age x education, education x income and age x income lose 23-44 %.
    /// </summary>
    public IReadOnlyList<string> Crossings { get; init; } = ["sex x age", "sex x education", "sex x income"];
    /// <summary>How a stratum with one respondent adds to a variance (R survey's <c>lonely.psu</c>).</summary>
    public LonelyStratum Lonely { get; init; } = LonelyStratum.Adjust;
    /// <summary>A state whose weights cover less than this share of its Census adults is flagged partial.</summary>
    public double PartialCoverageBelow { get; init; } = 0.90;
    /// <summary>The Census tables for coverage; null: the ones shipped (<see cref="CensusPopulation.Shipped"/>).</summary>
    public CensusPopulation? Census { get; init; }
    /// <summary>The Census tables in use: <see cref="Census"/>, or the shipped ones.</summary>
    public CensusPopulation CensusTables => Census ?? CensusPopulation.Shipped;

    /// <summary>The normal quantile of <see cref="Confidence"/> (1.959964 for 95 %).</summary>
    public double Z => MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 1 - (1 - Confidence) / 2);

    /// <summary>
    /// Why an estimate <paramref name="p"/> (a share, 0-1) with standard error <paramref name="se"/> from <paramref name="n"/>
    /// respondents is withheld, or null when it is shown: fewer than <see cref="MinRespondents"/> respondents, an estimate of
    /// 0 (whose relative standard error is undefined), or a relative standard error above <see cref="MaxRelativeStandardError"/>.
    /// Exactly <see cref="MinRespondents"/> respondents, or a relative standard error of exactly the maximum, is shown.
    /// </summary>
    public string? SuppressionReason(long n, double p, double se)
    {
        if (n < MinRespondents) return string.Create(CultureInfo.InvariantCulture, $"fewer than {MinRespondents} respondents (n = {n})");
        if (p <= 0) return "estimate of 0 %: relative standard error undefined";
        var rse = se / p;
        return rse > MaxRelativeStandardError
            ? string.Create(CultureInfo.InvariantCulture, $"relative standard error {100 * rse:0.0} % above {100 * MaxRelativeStandardError:0.#} %")
            : null;
    }

    /// <summary>The options checked: a bad value is an <see cref="ArgumentException"/> naming it.</summary>
    internal (string Name, string First, string Second)[] Check(IReadOnlyList<string> dimensions)
    {
        if (MinRespondents < 1) throw new ArgumentException($"MinRespondents = {MinRespondents}: at least 1.");
        if (!(MaxRelativeStandardError > 0))
            throw new ArgumentException($"MaxRelativeStandardError = {MaxRelativeStandardError}: a positive share (0.30 = 30 %).");
        if (!(Confidence is > 0 and < 1)) throw new ArgumentException($"Confidence = {Confidence}: between 0 and 1 (0.95).");
        if (!(PartialCoverageBelow is > 0 and <= 1))
            throw new ArgumentException($"PartialCoverageBelow = {PartialCoverageBelow}: a share in (0, 1] (0.90).");
        return Crossings.Select(c =>
        {
            if (PopulationEstimate.CrossingParts(c) is not ({ } first, { } second) || !ValidDimension(first) || !ValidDimension(second))
                throw new ArgumentException($"Crossing '{c}': "
                    + $"write two different group dimensions joined by \"{PopulationEstimate.CrossingSeparator}\", "
                    + $"each one of {string.Join(", ", KnownDimensions)} (e.g. \"sex x age\").");
            return (c, first, second);
        }).Where(c => dimensions.Contains(c.Item2) && dimensions.Contains(c.Item3)).ToArray();
    }

    private static readonly string[] KnownDimensions = ["age", "sex", "income", "education"];
    private static bool ValidDimension(string name) => KnownDimensions.Contains(name);
}
