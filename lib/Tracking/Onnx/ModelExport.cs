using PopHealth.Modeling;
using PopHealth.Workbook;

namespace PopHealth.Tracking;

/// <summary>
/// A trained model exported once: its ONNX graph exactly as it is registered and, for the tree ensembles the compiler
/// takes, those trees with their cover counted on the training rows. The model card's SHAP and the registered artifacts
/// share one export, so 04 exports and counts once per model (each costs seconds on a million rows).
/// </summary>
public sealed class ModelExport
{
    private ModelExport(TrainedModel model, byte[] onnx, TreeEnsemble? trees, TreeCover? cover) =>
        (Model, Onnx, Trees, Cover) = (model, onnx, trees, cover);

    public TrainedModel Model { get; }

    /// <summary>The bytes of <see cref="OnnxModel.FileName"/>.</summary>
    public byte[] Onnx { get; }

    /// <summary>The compiled trees (with their cover when it was counted); null when the compiler does not take the graph.</summary>
    public TreeEnsemble? Trees { get; }

    /// <summary>The trees' cover on the training rows; null without training rows or compiled trees.</summary>
    public TreeCover? Cover { get; }

    /// <summary>
    /// Exports <paramref name="model"/>; with <paramref name="trainingRows"/> counts its trees' cover, unless
    /// <paramref name="knownCover"/> was counted on the same trees (a recalibrated model keeps its parent's trees).
    /// </summary>
    public static ModelExport Create(TrainedModel model, IReadOnlyList<float[]>? trainingRows = null, TreeCover? knownCover = null)
    {
        var folder = Directory.CreateTempSubdirectory("pophealth-export-");
        try
        {
            var path = Path.Combine(folder.FullName, OnnxModel.FileName);
            OnnxModel.Export(model, path);
            var trees = CompiledTrees.TryCompile(path)?.Trees;
            var cover = trees is null ? null
                : knownCover is not null && knownCover.Fingerprint == trees.Fingerprint() ? knownCover
                : trainingRows is { Count: > 0 } ? TreeCover.Count(trees, trainingRows) : null;
            return new ModelExport(model, File.ReadAllBytes(path), cover is null ? trees : trees!.WithCover(cover.Cover), cover);
        }
        finally { folder.Delete(recursive: true); }
    }

    /// <summary>A model with the same trees and another link (<see cref="Recalibration"/>): exported anew, this cover reused.</summary>
    public ModelExport ForSameTrees(TrainedModel model) => Create(model, knownCover: Cover);

    /// <summary>Writes the graph (and the cover, when counted) into <paramref name="folder"/>, atomically.</summary>
    public void WriteTo(string folder)
    {
        AtomicFile.Write(Path.Combine(folder, OnnxModel.FileName), (string temporary) => File.WriteAllBytes(temporary, Onnx));
        Cover?.Save(folder);
    }
}
