using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PopHealth.Tests.Notebooks;

/// <summary>
/// What a reviewer reading an executed notebook on a code host (scripts stripped) needs from it: valid nbformat 4.5
/// (nbformat's own schema, vendored in tests/fixtures/nbformat), numbered cells, tables whose rows show without a
/// script, a picture beside every chart, and no folder of the machine that ran it. Each problem is one line.
/// </summary>
internal static class ReviewerChecks
{
    private static readonly Lazy<NJsonSchema.JsonSchema> Schema = new(LoadSchema);

    /// <summary>
    /// nbformat's schema as shipped, except that the helper schemas it nests under <c>definitions/misc</c> are lifted to
    /// <c>definitions/misc_*</c> (same content, references rewritten): NJsonSchema resolves references one level deep.
    /// </summary>
    private static NJsonSchema.JsonSchema LoadSchema()
    {
        var schema = JsonNode.Parse(File.ReadAllText(Repo.Path("tests", "fixtures", "nbformat", "nbformat.v4.5.schema.json")))!.AsObject();
        var definitions = schema["definitions"]!.AsObject();
        var misc = definitions["misc"]!.AsObject();
        definitions.Remove("misc");
        foreach (var (name, node) in misc.ToList())
        {
            misc.Remove(name);
            definitions["misc_" + name] = node;
        }
        var text = schema.ToJsonString().Replace("#/definitions/misc/", "#/definitions/misc_", StringComparison.Ordinal);
        return NJsonSchema.JsonSchema.FromJsonAsync(text).GetAwaiter().GetResult();
    }

    /// <summary>A table row (or table) hidden by a style: a paging script would have to show it.</summary>
    private static readonly Regex HiddenRow = new(@"<(tr|table|tbody)\b[^>]*display\s*:\s*none", RegexOptions.IgnoreCase);

    /// <summary>
    /// An absolute path: <c>/a/b</c> not inside a word, a URL or a relative path, or a Windows drive path.
    /// (Base64 images are taken out before looking: they can hold such text by chance.)
    /// </summary>
    private static readonly Regex AbsolutePath = new(@"(?<![\w.~:/\\<;-])(?<!<data>)/[\w.-]+(?:/[\w.-]+)+|\b[A-Za-z]:\\[\w.-]",
        RegexOptions.CultureInvariant);

    private static readonly Regex DataUri = new(@"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+");

    public static IReadOnlyList<string> Problems(string ipynbPath)
    {
        var text = File.ReadAllText(ipynbPath);
        var problems = Schema.Value.Validate(text).SelectMany(Leaves).Select(e => $"schema: {e.Path}: {e.Kind} {e.Property}".TrimEnd()).Distinct()
            .Take(20).ToList();
        var cells = JsonNode.Parse(text)!["cells"]!.AsArray();
        var count = 0;
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i]!;
            if ((string?)cell["cell_type"] != "code") continue;
            if ((int?)cell["execution_count"] != ++count)
                problems.Add($"cell {i + 1}: execution_count {cell["execution_count"]?.ToJsonString() ?? "null"}, expected {count}");
            foreach (var output in (cell["outputs"] as JsonArray ?? []).OfType<JsonObject>())
                problems.AddRange(OutputProblems(i + 1, output));
        }
        return problems;
    }

    /// <summary>The errors under a "not valid against any of" error: they say which property is missing or wrong.</summary>
    private static IEnumerable<NJsonSchema.Validation.ValidationError> Leaves(NJsonSchema.Validation.ValidationError error) =>
        error is NJsonSchema.Validation.ChildSchemaValidationError child && child.Errors.Count > 0
            ? child.Errors.SelectMany(e => e.Value).SelectMany(Leaves)
            : [error];

    private static IEnumerable<string> OutputProblems(int cellNumber, JsonObject output)
    {
        var data = output["data"] as JsonObject;
        var html = data?["text/html"] is { } h ? Flatten(h) : null;
        if (html is not null && HiddenRow.Match(html) is { Success: true } hidden)
            yield return $"cell {cellNumber}: a table hides rows until a script runs ({hidden.Value})";
        if (html is not null && html.Contains("newPlot", StringComparison.Ordinal) && data?["image/png"] is null)
            yield return $"cell {cellNumber}: a chart without an image/png entry";
        var texts = (data ?? []).Where(kv => !kv.Key.StartsWith("image/", StringComparison.Ordinal)).Select(kv => Flatten(kv.Value))
            .Concat(new[] { "text", "evalue", "traceback" }.Select(k => output[k]).OfType<JsonNode>().Select(Flatten));
        foreach (var t in texts)
            if (AbsolutePath.Match(DataUri.Replace(t, "data:")) is { Success: true } path)
                yield return $"cell {cellNumber}: an absolute path of the machine that ran it: {path.Value}";
    }

    private static string Flatten(JsonNode? node) => node switch
    {
        JsonArray items => string.Join("\n", items.Select(Flatten)),
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        JsonObject obj => obj.ToJsonString(),
        _ => "",
    };
}
