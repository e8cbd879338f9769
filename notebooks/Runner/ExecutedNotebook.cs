using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PopHealth.Charts;

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

    /// <summary>
    /// The workbook's refusals: errors whose message says what is wrong and what to do, so a stack trace adds nothing.
    /// </summary>
    private static readonly string[] Refusals =
        ["System.IO.InvalidDataException", "PopHealth.Workbook.WorkbookParameterException", "System.IO.FileNotFoundException",
         "System.IO.DirectoryNotFoundException", "PopHealth.Scoring.ScoringInputException", "PopHealth.Tracking.ModelNotFoundException"];

    /// <summary>
    /// Errors as a reader should see them. dotnet-repl writes an exception's stack trace twice, in the message and again
    /// as the traceback: a workbook refusal (<see cref="Refusals"/>) keeps only its message, once. Errors in the cells
    /// after the first failing one follow from it (a variable it never set) and become one line saying so. Other
    /// errors, bugs, keep their trace. Returns how many outputs changed.
    /// </summary>
    public int TidyErrors()
    {
        var (changed, number) = (0, 0);
        int? firstFailure = null;
        foreach (var cell in Cells)
        {
            number++;
            foreach (var output in (cell["outputs"] as JsonArray ?? []).OfType<JsonObject>().Where(o => (string?)o["output_type"] == "error")
                .ToList())
            {
                var value = ((string?)output["evalue"] ?? "").Trim();
                var message = value.Split('\n').TakeWhile(l => !l.StartsWith("   at ", StringComparison.Ordinal)).Select(l => l.TrimEnd());
                var text = string.Join("\n", message).Trim();
                if (firstFailure is { } first)
                {
                    output["evalue"] = $"not meaningful: cell {first} failed first ({FirstLine(text)})";
                    output["traceback"] = new JsonArray();
                    changed++;
                    continue;
                }
                firstFailure = number;
                if (Refusals.FirstOrDefault(r => text.StartsWith(r + ": ", StringComparison.Ordinal)) is not { } refusal) continue;
                output["ename"] = refusal[(refusal.LastIndexOf('.') + 1)..];
                output["evalue"] = text[(refusal.Length + 2)..];
                output["traceback"] = new JsonArray();
                changed++;
            }
        }
        return changed;
    }

    private static string FirstLine(string text) => text.Split('\n')[0] is var line && line.Length > 120 ? line[..117] + "..." : text.Split('\n')[0];

    /// <summary>
    /// Gives every cell the <c>id</c> nbformat 4.5 requires, stable across runs (the notebook's name and the cell's
    /// position), and numbers the code cells 1..n in order as a kernel would, results included.
    /// </summary>
    public void NumberCells(string notebookName)
    {
        var prefix = Regex.Replace(notebookName, "[^A-Za-z0-9_-]", "-");
        if (prefix.Length > 48) prefix = prefix[..48];
        var (index, count) = (0, 0);
        foreach (var cell in Cells)
        {
            cell["id"] = $"{prefix}-{index++}";
            if ((string?)cell["cell_type"] != "code") continue;
            cell["execution_count"] = ++count;
            foreach (var output in (cell["outputs"] as JsonArray ?? []).OfType<JsonObject>())
                if ((string?)output["output_type"] == "execute_result") output["execution_count"] = count;
                else if ((string?)output["output_type"] == "error" && output["traceback"] is not JsonArray) output["traceback"] = new JsonArray();
        }
    }

    /// <summary>
    /// Replaces the machine's folders in every output: <paramref name="dataRoot"/> by <c>&lt;data&gt;</c>, then
    /// <paramref name="repositoryRoot"/> by nothing (paths become relative to the repository). A reader of the copy
    /// kept in the repository sees where things are, not whose checkout made it. Returns how many were replaced.
    /// </summary>
    public int HideMachinePaths(string repositoryRoot, string? dataRoot)
    {
        var folders = new List<(Regex Folder, string Plain, string Html)>();
        if (dataRoot is not null) folders.Add((FolderPattern(dataRoot), "<data>", "&lt;data&gt;"));
        folders.Add((FolderPattern(repositoryRoot), ".", "."));
        var replaced = 0;
        string Hide(string text, bool html)
        {
            foreach (var (folder, plain, encoded) in folders)
                text = folder.Replace(text, m =>
                {
                    replaced++;
                    var replacement = html ? encoded : plain;
                    // "<root>/plots/x.png" reads best as "plots/x.png"; the data root keeps its "<data>/" prefix.
                    return m.Groups["rest"].Success && replacement == "." ? "" : replacement + m.Groups["rest"].Value;
                });
            return text;
        }
        foreach (var output in Cells.SelectMany(c => (c["outputs"] as JsonArray ?? []).OfType<JsonObject>()))
        {
            if (output["data"] is JsonObject data)
                foreach (var mime in data.Select(kv => kv.Key).Where(k => !k.StartsWith("image/", StringComparison.Ordinal)).ToList())
                    data[mime] = MapStrings(data[mime], t => Hide(t, mime == "text/html"));
            foreach (var key in new[] { "text", "evalue", "traceback" })
                if (output[key] is { } node) output[key] = MapStrings(node, t => Hide(t, html: false));
        }
        return replaced;
    }

    /// <summary>
    /// The folder itself, not a longer name that starts with it (<c>/tmp/d</c> is not in <c>/tmp/data</c>); a separator
    /// and what follows are kept.
    /// </summary>
    private static Regex FolderPattern(string folder)
    {
        var trimmed = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        return new Regex(Regex.Escape(trimmed) + @"(?:(?<rest>[/\\])|(?![\w.\-]))", RegexOptions.CultureInvariant);
    }

    private static JsonNode? MapStrings(JsonNode? node, Func<string, string> map) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => JsonValue.Create(map(text)),
        JsonArray array => new JsonArray(array.Select(item => MapStrings(item, map)).ToArray()),
        JsonObject obj => new JsonObject(obj.Select(kv => KeyValuePair.Create(kv.Key, MapStrings(kv.Value, map)))),
        _ => node?.DeepClone(),
    };

    /// <summary>
    /// Gives each chart output an <c>image/png</c> entry beside its HTML, from the PNG the chart embeds
    /// (<see cref="StaticImages.InlinePng"/>): renderers that drop HTML still show the picture. Returns how many.
    /// </summary>
    public int AddChartImages()
    {
        var added = 0;
        foreach (var output in Cells.SelectMany(c => (c["outputs"] as JsonArray ?? []).OfType<JsonObject>()))
        {
            if (output["data"] is not JsonObject data || data.ContainsKey("image/png")) continue;
            if (StaticImages.InlinePng(Flatten(data["text/html"])) is not { } png) continue;
            data["image/png"] = png;
            added++;
        }
        return added;
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
