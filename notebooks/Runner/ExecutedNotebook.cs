using System.Text.Json.Nodes;

namespace PopHealth.Runner;

/// <summary>An executed notebook (.ipynb) as dotnet-repl writes it: finds errors, strips restore chatter.</summary>
public sealed class ExecutedNotebook
{
    private readonly JsonObject document;

    private ExecutedNotebook(JsonObject document) => this.document = document;

    public static ExecutedNotebook Load(string path)
    {
        try
        {
            return new ExecutedNotebook(JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException("not a JSON object"));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"'{path}' is not a readable .ipynb: {e.Message}", e);
        }
    }

    private IEnumerable<JsonObject> Cells => (document["cells"] as JsonArray ?? []).OfType<JsonObject>();

    /// <summary>The first error output, with the cell it came from.</summary>
    public CellFailure? FirstFailure()
    {
        var number = 0;
        foreach (var cell in Cells)
        {
            number++;
            foreach (var output in (cell["outputs"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if ((string?)output["output_type"] != "error") continue;
                return new CellFailure(number, Head(cell), (string?)output["ename"] ?? "Error", ((string?)output["evalue"] ?? "").Trim());
            }
        }
        return null;
    }

    /// <summary>
    /// Removes the package manager's progress outputs ("Restore sources", "Installing Packages",
    /// "Loading extension…"): a reader of the rendered copy needs the results, not the restore log.
    /// Errors are always kept.
    /// </summary>
    public int RemoveRestoreProgress()
    {
        var removed = 0;
        foreach (var cell in Cells)
        {
            if (cell["outputs"] is not JsonArray outputs) continue;
            for (var i = outputs.Count - 1; i >= 0; i--)
                if (outputs[i] is JsonObject output && IsRestoreProgress(output))
                {
                    outputs.RemoveAt(i);
                    removed++;
                }
        }
        return removed;
    }

    /// <summary>
    /// A progress line updated in place (<c>display(...).Update(...)</c>) is written by the headless kernel as one
    /// plain-text display per update. Of each run of consecutive plain-text-only displays, only the last (the final
    /// state) is kept. Returns how many were removed.
    /// </summary>
    public int CollapseProgressUpdates()
    {
        var removed = 0;
        foreach (var cell in Cells)
        {
            if (cell["outputs"] is not JsonArray outputs) continue;
            for (var i = outputs.Count - 2; i >= 0; i--)
                if (IsPlainDisplay(outputs[i]) && IsPlainDisplay(outputs[i + 1]))
                {
                    outputs.RemoveAt(i);
                    removed++;
                }
        }
        return removed;
    }

    private static bool IsPlainDisplay(JsonNode? node) =>
        node is JsonObject output && (string?)output["output_type"] == "display_data"
        && output["data"] is JsonObject data && data.Count == 1 && data.ContainsKey("text/plain");

    private static bool IsRestoreProgress(JsonObject output)
    {
        if ((string?)output["output_type"] != "display_data" || output["data"] is not JsonObject data) return false;
        var text = string.Concat(data.Select(kv => Flatten(kv.Value)));
        return text.Contains("<strong>Restore sources</strong>", StringComparison.Ordinal)
            || text.Contains("<strong>Installing Packages</strong>", StringComparison.Ordinal)
            || text.Contains("<strong>Installed Packages</strong>", StringComparison.Ordinal)
            || text.StartsWith("Loading extension", StringComparison.Ordinal);
    }

    public string ToJson() => document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });

    private static string Head(JsonObject cell) =>
        Flatten(cell["source"]).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) is { } line
            ? (line.Length > 80 ? line[..77] + "..." : line)
            : "(empty cell)";

    private static string Flatten(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        JsonValue value => (string?)value ?? "",
        _ => "",
    };
}
