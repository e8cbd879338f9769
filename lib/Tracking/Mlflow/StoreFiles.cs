using System.Globalization;
using System.Text.RegularExpressions;
using PopHealth.Workbook;
using YamlDotNet.RepresentationModel;

namespace PopHealth.Tracking;

/// <summary>
/// A <c>meta.yaml</c> of the store: a flat YAML mapping, read field by field; every problem (unreadable YAML, a non-scalar
/// key, a missing field, a list where a value belongs, a number that is not one) is an <see cref="InvalidDataException"/>
/// naming the file and the field.
/// </summary>
internal sealed class MetaFile
{
    private readonly Dictionary<string, YamlNode> fields;

    private MetaFile(string path, Dictionary<string, YamlNode> fields)
    {
        Path = path;
        this.fields = fields;
    }

    public string Path { get; }

    public static MetaFile Read(string path)
    {
        if (!File.Exists(path)) throw StoreError.Malformed(path, "missing; the store needs it (was the folder copied in part?).");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw StoreError.Malformed(path, $"not valid YAML ({e.Message}); restore it from a copy or remove its folder.", e);
        }
        if (stream.Documents.Count == 0) throw StoreError.Malformed(path, "empty; restore it from a copy or remove its folder.");
        if (stream.Documents[0].RootNode is not YamlMappingNode map) throw StoreError.Malformed(path, "expected a YAML mapping of fields.");
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
                throw StoreError.Malformed(path, $"a key at line {key.Start.Line} is a {Kind(key)}, expected a field name.");
            fields[name] = value;
        }
        return new MetaFile(path, fields);
    }

    /// <summary>Every scalar field as text (YAML nulls as null); lists and mappings (such as a run's <c>tags: []</c>) as null.</summary>
    public IReadOnlyDictionary<string, string?> Scalars() =>
        fields.ToDictionary(kv => kv.Key, kv => kv.Value is YamlScalarNode s ? NullIfYamlNull(s) : null);

    /// <summary>The field's text, or null when it is absent or null.</summary>
    public string? Optional(string field)
    {
        if (!fields.TryGetValue(field, out var node)) return null;
        if (node is not YamlScalarNode scalar)
            throw StoreError.Malformed(Path, $"field '{field}' (line {node.Start.Line}) is a {Kind(node)}, expected a single value.");
        return NullIfYamlNull(scalar);
    }

    public string Required(string field) =>
        Optional(field) ?? throw StoreError.Malformed(Path, $"has no '{field}'; the store (and MLflow) need it.");

    public long RequiredLong(string field)
    {
        var text = Required(field);
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StoreError.Malformed(Path, $"field '{field}' is '{text}', expected a whole number.");
    }

    public int RequiredInt(string field)
    {
        var value = RequiredLong(field);
        return value is >= int.MinValue and <= int.MaxValue ? (int)value
            : throw StoreError.Malformed(Path, $"field '{field}' is {value}, out of range.");
    }

    private static string? NullIfYamlNull(YamlScalarNode scalar) =>
        scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "" or "null" or "~" or "Null" or "NULL" ? null : scalar.Value;

    private static string Kind(YamlNode node) => node switch
    {
        YamlSequenceNode => "list",
        YamlMappingNode => "mapping",
        _ => "value",
    };
}

/// <summary>
/// Writes into folders MLflow lists file by file (a run's <c>metrics/</c>, <c>params/</c>, <c>tags/</c>, <c>artifacts/</c>; a
/// model's <c>aliases/</c>) go through a staging folder beside them (<c>.staging</c>, same file system, never listed by
/// MLflow): the file is written there atomically, then renamed into place. A write interrupted by kill -9 leaves its
/// temporary file in <c>.staging</c>, where MLflow never reads it and the next open of the store removes it.
/// </summary>
internal static class StagedFile
{
    public const string StagingFolder = ".staging";

    /// <summary>The temporary files <see cref="AtomicFile"/> leaves beside a target when a process dies mid-write.</summary>
    public static Regex AtomicTemporary => AtomicFile.TemporaryName;

    public static void WriteText(string staging, string target, string text) =>
        Commit(staging, target, staged => AtomicFile.WriteAllText(staged, text));

    public static void Copy(string staging, string source, string target) =>
        Commit(staging, target, staged => AtomicFile.Write(staged, (string temporary) => File.Copy(source, temporary)));

    private static void Commit(string staging, string target, Action<string> write)
    {
        var staged = System.IO.Path.Combine(staging, Guid.NewGuid().ToString("N"));
        try
        {
            write(staged);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Move(staged, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(staged)) File.Delete(staged);
        }
    }

    /// <summary>
    /// Fills a folder in staging, then renames it onto <paramref name="target"/>, so a model folder appears whole or not at
    /// all (a folder already there is replaced).
    /// </summary>
    public static void WriteFolder(string staging, string target, Action<string> fill)
    {
        var staged = System.IO.Path.Combine(staging, Guid.NewGuid().ToString("N"));
        var replaced = staged + "-replaced";
        Directory.CreateDirectory(staged);
        try
        {
            fill(staged);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            if (Directory.Exists(target)) Directory.Move(target, replaced);
            Directory.Move(staged, target);
        }
        finally
        {
            if (Directory.Exists(staged)) Directory.Delete(staged, recursive: true);
            if (Directory.Exists(replaced)) Directory.Delete(replaced, recursive: true);
        }
    }
}
