namespace PopHealth.Ingest.Xpt;

/// <summary>Which SAS transport layout: version 5 (CDC's; 8-character names, 40-character labels) or 8/9 (long names and labels).</summary>
public enum XptVersion { V5 = 5, V8 = 8 }

/// <summary>One variable of a transport member, as its NAMESTR record (and v8 label records) describe it.</summary>
public sealed record XptVariable(
    int Number, string Name, ColumnKind Kind, int Length, int Position,
    string? Label = null, string? Format = null, string? Informat = null);

/// <summary>The data set (member) a transport file holds.</summary>
public sealed record XptMember(string Name, string? Label, XptVersion Version, IReadOnlyList<XptVariable> Variables, string SasVersion, string Os, string Created)
{
    /// <summary>Bytes per observation.</summary>
    public int RowLength => Variables.Count == 0 ? 0 : Variables.Max(v => v.Position + v.Length);
}

/// <summary>A file is not a readable SAS transport file; names the file and the byte offset.</summary>
public sealed class XptFormatException(string file, long offset, string problem)
    : Exception($"{file}: {problem} (at byte offset {offset:N0}).")
{
    public string File { get; } = file;
    public long Offset { get; } = offset;
}
