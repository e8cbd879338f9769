namespace PopHealth.Ingest.Xpt;

/// <summary>Which SAS transport layout: version 5 (CDC's; 8-character names, 40-character labels) or 8/9 (long names and labels).</summary>
public enum XptVersion { V5 = 5, V8 = 8 }

/// <summary>
/// One variable of a transport member, as its NAMESTR record (and v8 label records) describe it. <see cref="Position"/>
/// is where the reader finds the field in an observation: the variable-order offset (see <see cref="XptReader"/>).
/// </summary>
public sealed record XptVariable(
    int Number, string Name, ColumnKind Kind, int Length, int Position,
    string? Label = null, string? Format = null, string? Informat = null);

/// <summary>The data set (member) a transport file holds.</summary>
public sealed record XptMember(string Name, string? Label, XptVersion Version, IReadOnlyList<XptVariable> Variables, string SasVersion, string Os,
    string Created)
{
    /// <summary>Bytes per observation: the variables' lengths end to end.</summary>
    public int RowLength { get; } = Variables.Sum(v => v.Length);
}
