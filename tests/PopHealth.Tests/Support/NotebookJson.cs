using System.Text.Json.Nodes;

namespace PopHealth.Tests;

/// <summary>Executed notebooks (.ipynb) written by hand: what a kernel would have left, for the runner's checks of it.</summary>
internal static class NotebookJson
{
    /// <summary>Writes a notebook of <paramref name="cells"/> to <paramref name="temp"/>'s nb.ipynb; returns its path.</summary>
    public static string Write(TempFolder temp, JsonArray cells)
    {
        var path = temp.File("nb.ipynb");
        File.WriteAllText(path, new JsonObject { ["cells"] = cells, ["nbformat"] = 4 }.ToJsonString());
        return path;
    }

    /// <summary>A code cell of <paramref name="source"/> (one line each, as Jupyter stores it) with <paramref name="outputs"/>.</summary>
    public static JsonObject Code(string source, params JsonObject[] outputs) =>
        new() { ["cell_type"] = "code", ["source"] = new JsonArray(source.Split('\n').Select(l => (JsonNode?)JsonValue.Create(l + "\n")).ToArray()),
            ["outputs"] = new JsonArray(outputs) };

    /// <summary>An error output as dotnet-repl writes one: the whole text as its value, and its "   at " lines again as the traceback.</summary>
    public static JsonObject Error(string value) => new()
    {
        ["output_type"] = "error", ["ename"] = "Error", ["evalue"] = value,
        ["traceback"] = new JsonArray(value.Split('\n').Where(l => l.StartsWith("   at ", StringComparison.Ordinal))
            .Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
    };
}
