namespace PopHealth.Workbook;

/// <summary>Which feature recipe 03-transform applies (docs/methods.md, "Features").</summary>
public enum Recipe
{
    /// <summary>
    /// The original project's eight features, cleaning and drop of incomplete rows, for parity. Users name it <c>seed</c> (the
    /// recipe the workbook started from); in code it is <c>Original</c>, so that "seed" only ever means the random seed.
    /// </summary>
    Original,
    /// <summary>Corrected poverty ratio, every respondent with a known target kept.</summary>
    Improved,
}

/// <summary>The one place a recipe is named and parsed (parameters, feature files, runs, chart names).</summary>
public static class Recipes
{
    public const string Expected = "'seed' or 'improved'";

    /// <summary>The recipe's name as users write it: <c>seed</c> or <c>improved</c>.</summary>
    public static string Name(this Recipe recipe) => recipe switch
    {
        Recipe.Original => "seed",
        Recipe.Improved => "improved",
        _ => throw new ArgumentOutOfRangeException(nameof(recipe), recipe, null),
    };

    /// <summary>The recipe named <paramref name="text"/> (any case), or null when it names none.</summary>
    public static Recipe? Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "seed" => Recipe.Original,
        "improved" => Recipe.Improved,
        _ => null,
    };
}
