using Microsoft.ML;
using Microsoft.ML.Data;
using PopHealth.Features;

namespace PopHealth.Modeling;

/// <summary>One row as ML.NET sees it: the features as one vector (NaN = unknown) and the label.</summary>
public sealed class ModelRow
{
    public const string FeaturesColumn = "features";
    public const string LabelColumn = "label";

    [ColumnName(FeaturesColumn)] public float[] Features { get; set; } = [];
    [ColumnName(LabelColumn)] public bool Label { get; set; }
}

/// <summary>
/// The feature table as a matrix for training and scoring: features as floats (unknown = NaN, which the tree
/// learners route on their own), labels, ids and survey weights, plus the subgroup columns the model card uses.
/// </summary>
public sealed class ModelMatrix
{
    public ModelMatrix(IReadOnlyList<string> featureNames, float[][] rows, bool[] labels, long[] ids, double?[]? weights = null)
    {
        if (rows.Length != labels.Length || rows.Length != ids.Length || (weights is not null && weights.Length != rows.Length))
            throw new ArgumentException("Rows, labels, ids and weights must have one entry per respondent.");
        foreach (var row in rows)
            if (row.Length != featureNames.Count) throw new ArgumentException($"A row has {row.Length} values for {featureNames.Count} features.");
        FeatureNames = featureNames;
        Rows = rows;
        Labels = labels;
        Ids = ids;
        Weights = weights;
    }

    public IReadOnlyList<string> FeatureNames { get; }
    public float[][] Rows { get; }
    public bool[] Labels { get; }
    public long[] Ids { get; }
    public double?[]? Weights { get; }
    public int Count => Rows.Length;

    /// <summary>The matrix of a feature table (only rows with a known target exist there).</summary>
    public static ModelMatrix From(FeatureSet set)
    {
        var columns = set.FeatureNames.Select(set.Values).ToArray();
        var target = set.Values(FeatureSet.Target);
        var n = (int)set.Rows;
        var rows = new float[n][];
        for (var i = 0; i < n; i++)
        {
            var row = new float[columns.Length];
            for (var j = 0; j < columns.Length; j++) row[j] = columns[j][i] is { } v ? (float)v : float.NaN;
            rows[i] = row;
        }
        var ids = (Microsoft.Data.Analysis.Int64DataFrameColumn)set.Table.Columns[FeatureSet.RespondentId];
        return new ModelMatrix(set.FeatureNames, rows, target.Select(t => t == 1).ToArray(),
            Enumerable.Range(0, n).Select(i => ids[i] ?? i + 1).ToArray(),
            set.HasColumn(FeatureSet.Weight) ? set.Values(FeatureSet.Weight) : null);
    }

    /// <summary>The rows at <paramref name="indices"/> (shared, not copied).</summary>
    public ModelMatrix Subset(IReadOnlyList<int> indices) => new(FeatureNames,
        indices.Select(i => Rows[i]).ToArray(), indices.Select(i => Labels[i]).ToArray(), indices.Select(i => Ids[i]).ToArray(),
        Weights is null ? null : indices.Select(i => Weights[i]).ToArray());

    /// <summary>The same rows without <paramref name="feature"/> (copied).</summary>
    public ModelMatrix Without(string feature)
    {
        var j = FeatureNames.ToList().IndexOf(feature);
        if (j < 0) throw new ArgumentException($"'{feature}' is not a feature of the matrix.", nameof(feature));
        return new ModelMatrix(FeatureNames.Where((_, k) => k != j).ToArray(), Rows.Select(r => r.Where((_, k) => k != j).ToArray()).ToArray(),
            Labels, Ids, Weights);
    }

    /// <summary>An ML.NET view of the rows: a <c>features</c> vector of known size and a boolean <c>label</c>.</summary>
    public IDataView ToDataView(MLContext context) =>
        context.Data.LoadFromEnumerable(Rows.Select((r, i) => new ModelRow { Features = r, Label = Labels[i] }), Schema(FeatureNames.Count));

    /// <summary>The schema of <see cref="ModelRow"/> with a feature vector of <paramref name="features"/> floats.</summary>
    public static SchemaDefinition Schema(int features)
    {
        var schema = SchemaDefinition.Create(typeof(ModelRow));
        schema[ModelRow.FeaturesColumn].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        return schema;
    }

    /// <summary>Rows as one row-major buffer (the form scorers and explanations take) and their width.</summary>
    public static (float[] Buffer, int Width) RowMajor(IReadOnlyList<float[]> rows)
    {
        var width = rows.Count == 0 ? 0 : rows[0].Length;
        var buffer = new float[rows.Count * width];
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != width) throw new ArgumentException($"Row {i} has {rows[i].Length} values; row 0 has {width}.");
            rows[i].CopyTo(buffer, i * width);
        }
        return (buffer, width);
    }

    public double Prevalence => Labels.Length == 0 ? double.NaN : Labels.Count(l => l) / (double)Labels.Length;
}
