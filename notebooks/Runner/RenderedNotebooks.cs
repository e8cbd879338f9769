using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using PopHealth.Workbook;

namespace PopHealth.Runner;

/// <summary>
/// The executed notebooks kept in the repository (<c>notebooks/rendered/</c>) for reviewers who do not run them:
/// each carries the SHA-256 of the .dib it was run from, so a test can tell when a notebook changed and its
/// rendered copy was not refreshed.
/// </summary>
public static class RenderedNotebooks
{
    public const string Folder = "rendered";
    public const string HashKey = "source_sha256";

    /// <summary>SHA-256 of a notebook's text with line endings normalised (a checkout's CRLF does not count as a change).</summary>
    public static string SourceHash(string dibPath) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(File.ReadAllText(dibPath).Replace("\r\n", "\n"))));

    /// <summary>Copies an executed notebook into <paramref name="folder"/>, stamped with the hash of <paramref name="dibPath"/>.</summary>
    public static string Keep(string executedPath, string dibPath, string folder)
    {
        var document = JsonNode.Parse(File.ReadAllText(executedPath))!.AsObject();
        var metadata = document["metadata"] as JsonObject ?? new JsonObject();
        metadata["pophealth"] = new JsonObject { [HashKey] = SourceHash(dibPath), ["notebook"] = Path.GetFileName(dibPath) };
        document["metadata"] = metadata;
        foreach (var cell in document["cells"] as JsonArray ?? []) ImportFromParent(cell!.AsObject());
        var target = Path.Combine(folder, Path.GetFileNameWithoutExtension(dibPath) + ".ipynb");
        AtomicFile.WriteAllText(target, document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return target;
    }

    /// <summary>
    /// A kept copy lives one folder below its .dib, and Jupyter starts a kernel in the notebook's own folder, so its
    /// <c>#!import _setup.dib</c> becomes <c>#!import ../_setup.dib</c>: the kept copy runs as it is in Jupyter.
    /// </summary>
    private static void ImportFromParent(JsonObject cell)
    {
        if ((string?)cell["cell_type"] != "code") return;
        static string Rewrite(string line) =>
            line.StartsWith(ImportDirective, StringComparison.Ordinal) && !line[ImportDirective.Length..].StartsWith("../", StringComparison.Ordinal)
                ? ImportDirective + "../" + line[ImportDirective.Length..] : line;
        cell["source"] = cell["source"] switch
        {
            JsonArray lines => new JsonArray(lines.Select(l => (JsonNode?)JsonValue.Create(Rewrite((string)l!))).ToArray()),
            JsonValue text => string.Join('\n', ((string)text!).Split('\n').Select(Rewrite)),
            var other => other?.DeepClone(),
        };
    }

    private const string ImportDirective = "#!import ";

    /// <summary>The hash a kept copy was stamped with, or null when it has none.</summary>
    public static string? StampedHash(string renderedPath) =>
        (string?)JsonNode.Parse(File.ReadAllText(renderedPath))?["metadata"]?["pophealth"]?[HashKey];
}
