using System.Text.Json;
using PopHealth.Workbook;

namespace PopHealth.Modeling;

/// <summary>
/// The cover of a model's trees (training rows reaching each node), saved beside the model as <see cref="FileName"/>
/// so that explanations need neither the training data nor ML.NET. ONNX tree nodes carry no cover, so it is counted
/// once, at registration, by routing the training rows through the exported trees exactly as they route rows when
/// scoring. <see cref="Fingerprint"/> ties it to those trees.
/// </summary>
/// <param name="Fingerprint">The trees' <see cref="TreeEnsemble.Fingerprint"/>.</param>
/// <param name="Rows">How many rows were counted.</param>
/// <param name="Cover">Rows reaching each node, in the trees' node order.</param>
public sealed record TreeCover(string Fingerprint, long Rows, double[] Cover)
{
    public const string FileName = "tree_cover.json";

    /// <summary>Counts the cover of <paramref name="trees"/> on <paramref name="trainingRows"/> (the rows the model was fitted on).</summary>
    public static TreeCover Count(TreeEnsemble trees, IReadOnlyList<float[]> trainingRows)
    {
        if (trainingRows.Count == 0) throw new ArgumentException("Cover needs at least one training row.", nameof(trainingRows));
        return new TreeCover(trees.Fingerprint(), trainingRows.Count, trees.CountCover(trainingRows));
    }

    /// <summary>Writes <see cref="FileName"/> into <paramref name="folder"/> (the model's artifact folder), atomically.</summary>
    public void Save(string folder) =>
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this));

    /// <summary>
    /// <paramref name="trees"/> with the cover saved in <paramref name="folder"/>; a missing or unreadable file, or cover
    /// counted on other trees, is an error naming the file.
    /// </summary>
    public static TreeEnsemble Load(string folder, TreeEnsemble trees)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: the model was registered without tree cover; count it on the training rows " +
                $"(TreeCover.Count) and save it there.", path);
        TreeCover? saved;
        try { saved = JsonSerializer.Deserialize<TreeCover>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not tree cover JSON (line {e.LineNumber + 1}: {e.Message}).", e); }
        if (saved is not { Fingerprint: not null, Cover: not null })
            throw new InvalidDataException($"{path}: tree cover needs a Fingerprint and a Cover array.");
        if (saved.Fingerprint != trees.Fingerprint() || saved.Cover.Length != trees.Nodes)
            throw new InvalidDataException($"{path}: counted on other trees than this model's ({saved.Cover.Length} nodes, " +
                $"this model has {trees.Nodes}); count it again on the training rows.");
        try { return trees.WithCover(saved.Cover); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }
}
