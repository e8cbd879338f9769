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
        var target = Path.Combine(folder, Path.GetFileNameWithoutExtension(dibPath) + ".ipynb");
        AtomicFile.WriteAllText(target, document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return target;
    }

    /// <summary>The hash a kept copy was stamped with, or null when it has none.</summary>
    public static string? StampedHash(string renderedPath) =>
        (string?)JsonNode.Parse(File.ReadAllText(renderedPath))?["metadata"]?["pophealth"]?[HashKey];
}
