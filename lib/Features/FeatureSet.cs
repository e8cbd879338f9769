using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Analysis;
using PopHealth.Workbook;

namespace PopHealth.Features;

/// <summary>One feature of a recipe: where it comes from and the rule that makes it.</summary>
public sealed record FeatureDefinition(string Name, string Sources, string Rule);

/// <summary>One line of a data dictionary: a feature and its share of missing values in the table.</summary>
public sealed record DictionaryEntry(string Feature, string Sources, string Rule, double ShareMissing);

/// <summary>How many rows a step kept or dropped, and why.</summary>
public sealed record RowAccount(string Step, long Rows, string Reason);

/// <summary>
/// Whether a candidate feature earned its place: mean cross-validated AUC on training respondents (the same folds) with
/// and without it, and the rule that decided.
/// </summary>
/// <param name="FoldGains">AUC with minus without, fold by fold (paired: the same folds and seed).</param>
/// <param name="Rows">Training respondents the cross-validation used (never a test respondent).</param>
/// <param name="MinimumGain">The rule: kept when the mean gain is at least this.</param>
/// <param name="Setting">The reference model setting both fits used.</param>
/// <param name="Untested">Why the candidate could not be cross-validated (then it is dropped, and the AUCs are 0); null when it was.</param>
public sealed record CandidateDecision(string Feature, bool Kept, double AucWith, double AucWithout, IReadOnlyList<double> FoldGains, int Rows,
    double MinimumGain, string Setting, string? Untested = null)
{
    public double Gain => AucWith - AucWithout;

    /// <summary>One sentence: what was decided and why.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Reason => Untested is not null ? $"{Feature} dropped: {Untested}." : string.Create(CultureInfo.InvariantCulture,
        $"{Feature} {(Kept ? "kept" : "dropped")}: " +
        $"cross-validated AUC on {Rows:N0} training respondents {AucWith:F4} with it, {AucWithout:F4} without (gain {Gain:+0.0000;-0.0000}, " +
        $"folds {string.Join(" / ", FoldGains.Select(g => g.ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture)))}); " +
        $"the rule keeps a candidate whose mean gain is at least {MinimumGain:0.0000}.");
}

/// <summary>
/// The processed feature table (one row per respondent kept): <see cref="RespondentId"/>, the recipe's
/// features (nullable numbers, null = unknown), <see cref="Target"/> (1 = fair or poor health),
/// <see cref="Weight"/>, <see cref="State"/> and <see cref="Stratum"/> when the source has them.
/// </summary>
public sealed class FeatureSet
{
    public const string RespondentId = "respondent_id";
    public const string Target = "fair_poor_health";
    public const string Weight = "survey_weight";
    public const string State = "state";
    public const string Stratum = "stratum";
    /// <summary>The survey year of each respondent (a column of the interim table when 01 converted several years).</summary>
    public const string SurveyYear = "survey_year";
    public const string RecipeColumn = "recipe";
    /// <summary>The interview month 1–12 (CDC's IMONTH) where the source has it: a candidate feature of the <c>improved</c> recipe.</summary>
    public const string InterviewMonth = "interview_month";

    /// <summary>
    /// The target and the features the model leans on most, under both recipes' names (<c>improved</c>'s, then <c>seed</c>'s):
    /// the columns 05 compares real against synthetic.
    /// </summary>
    public static readonly IReadOnlyList<string> KeyColumns =
        [Target, "condition_count", "num_conditions", "age_group", "_AGEG5YR_clean", "bmi", "_BMI5", "income_bracket", "INCOME_clean",
            "poverty_ratio", "income_adj_pov"];

    /// <summary>
    /// The groups 06 reports predicted prevalence by: a feature of either recipe, the codebook variable that labels its codes (null:
    /// the codes as they are) and what it is called. Where both recipes' names are present the first wins.
    /// </summary>
    public static readonly IReadOnlyList<(string Feature, string? CodebookVariable, string Title)> PrevalenceGroups =
        [("age_group", "_AGEG5YR", "age group"), ("_AGEG5YR_clean", "_AGEG5YR", "age group"), ("income_bracket", null, "income bracket"),
            ("INCOME_clean", null, "income bracket")];

    /// <summary>Text columns naming each respondent's subgroup for the model card (dimension → column), not features.</summary>
    public static readonly IReadOnlyList<(string Dimension, string Column)> SubgroupColumns =
        [("sex", "group_sex"), ("age group", "group_age"), ("income", "group_income"), ("education", "group_education"),
            ("race/ethnicity", "group_race")];
    private const string Prefix = "pophealth.";

    public FeatureSet(Recipe recipe, string profileName, DataFrame table, IReadOnlyList<FeatureDefinition> features,
        IReadOnlyList<RowAccount> accounting, bool synthetic, IReadOnlyList<CandidateDecision>? candidates = null)
    {
        foreach (var required in new[] { RespondentId, Target }.Concat(features.Select(f => f.Name)))
            if (!table.Columns.Any(c => c.Name == required)) throw new InvalidDataException($"Feature table lacks column '{required}'.");
        Recipe = recipe;
        ProfileName = profileName;
        Table = table;
        Features = features;
        Accounting = accounting;
        Synthetic = synthetic;
        Candidates = candidates ?? [];
    }

    public Recipe Recipe { get; }
    /// <summary>The BRFSS year profile of the source.</summary>
    public string ProfileName { get; }
    public DataFrame Table { get; }
    public IReadOnlyList<FeatureDefinition> Features { get; }
    public IReadOnlyList<RowAccount> Accounting { get; }
    /// <summary>Whether the source was generated data.</summary>
    public bool Synthetic { get; }

    /// <summary>The decisions on candidate features (kept or dropped, and why); empty when the source offered none.</summary>
    public IReadOnlyList<CandidateDecision> Candidates { get; }

    public IReadOnlyList<string> FeatureNames => Features.Select(f => f.Name).ToArray();

    /// <summary>The same table with <paramref name="decision"/> recorded: a dropped candidate leaves the features and the table.</summary>
    public FeatureSet WithDecision(CandidateDecision decision)
    {
        var table = Table.Clone();
        if (!decision.Kept) table.Columns.Remove(decision.Feature);
        return new FeatureSet(Recipe, ProfileName, table, decision.Kept ? Features : Features.Where(f => f.Name != decision.Feature).ToArray(),
            Accounting, Synthetic, [.. Candidates.Where(c => c.Feature != decision.Feature), decision]);
    }
    public long Rows => Table.Rows.Count;
    public bool HasColumn(string name) => Table.Columns.Any(c => c.Name == name);

    /// <summary>The values of a numeric column (feature, target, weight…) as nullable doubles.</summary>
    public double?[] Values(string column) => Table.Numbers(column);

    /// <summary>A numeric column for the rows given by their respondent ids, or null when the set lacks it.</summary>
    public double?[]? ValuesFor(string column, IReadOnlyList<long> respondentIds)
    {
        if (!HasColumn(column)) return null;
        var values = Values(column);
        return respondentIds.Select(id => values[RowOf(id)]).ToArray();
    }

    private Dictionary<long, int>? rowOf;

    /// <summary>
    /// The table row of the respondent <paramref name="respondentId"/>; the index is built once, at first use (ids are
    /// unique: a repeated id is an error naming it).
    /// </summary>
    public int RowOf(long respondentId) => LazyInitializer.EnsureInitialized(ref rowOf, IndexRows)[respondentId];

    private Dictionary<long, int> IndexRows()
    {
        var ids = (Int64DataFrameColumn)Table.Columns[RespondentId];
        var index = new Dictionary<long, int>((int)ids.Length);
        for (var i = 0; i < ids.Length; i++)
            if (!index.TryAdd(ids[i]!.Value, i))
                throw new InvalidDataException($"Feature table repeats {RespondentId} {ids[i]} (rows {index[ids[i]!.Value]} and {i}).");
        return index;
    }

    /// <summary>Rows per target class: (in good or better health, in fair or poor health).</summary>
    public (long Good, long FairPoor) ClassBalance()
    {
        var y = Values(Target);
        return (y.LongCount(v => v == 0), y.LongCount(v => v == 1));
    }

    /// <summary>The data dictionary: each feature, its sources and rule, and its share missing in this table.</summary>
    public IReadOnlyList<DictionaryEntry> Dictionary() => Features
        .Select(f => new DictionaryEntry(f.Name, f.Sources, f.Rule, Rows == 0 ? 0 : Math.Round(Table.Columns[f.Name].NullCount / (double)Rows, 4)))
        .ToArray();

    /// <summary>Writes the table to <paramref name="path"/> atomically, with the recipe, features and row accounting in its metadata.</summary>
    public Task WriteAsync(string path)
    {
        var table = Table.Clone();
        table.Columns.Add(new StringDataFrameColumn(RecipeColumn, Enumerable.Repeat(Recipe.Name(), (int)Rows)));
        return ParquetFrames.WriteAsync(table, path, new Dictionary<string, string>
        {
            [Prefix + "recipe"] = Recipe.Name(),
            [Prefix + "year_profile"] = ProfileName,
            [Prefix + "synthetic"] = Synthetic ? "true" : "false",
            [Prefix + "rows"] = Rows.ToString(CultureInfo.InvariantCulture),
            [Prefix + "features"] = JsonSerializer.Serialize(Features),
            [Prefix + "accounting"] = JsonSerializer.Serialize(Accounting),
            [Prefix + "candidates"] = JsonSerializer.Serialize(Candidates),
        });
    }

    /// <summary>Reads a table written by <see cref="WriteAsync"/>.</summary>
    public static async Task<FeatureSet> ReadAsync(string path)
    {
        var metadata = await ParquetFrames.ReadMetadataAsync(path);
        string Meta(string key) => metadata.TryGetValue(Prefix + key, out var v) ? v
            : throw new InvalidDataException($"{path}: not a processed feature table (no '{Prefix}{key}' metadata); run 03-transform.");
        var recipe = Recipes.Parse(Meta("recipe"))
            ?? throw new InvalidDataException($"{path}: unknown recipe '{Meta("recipe")}' (expected {Recipes.Expected}); re-run 03-transform.");
        var features = JsonSerializer.Deserialize<FeatureDefinition[]>(Meta("features")) ?? [];
        var accounting = JsonSerializer.Deserialize<RowAccount[]>(Meta("accounting")) ?? [];
        var candidates = metadata.TryGetValue(Prefix + "candidates", out var decided) ? JsonSerializer.Deserialize<CandidateDecision[]>(decided) ?? []
            : [];
        var table = await ParquetFrames.ReadAsync(path);
        table.Columns.Remove(RecipeColumn);
        return new FeatureSet(recipe, Meta("year_profile"), table, features, accounting, Meta("synthetic") == "true", candidates);
    }
}
