using System.Buffers.Binary;

namespace PopHealth.Workbook;

/// <summary>
/// A Thrift compact-protocol struct read generically (Parquet's page headers and footer are such structs): its fields in
/// id order, each with its wire type and value — a number (<c>long</c>), <c>bool</c>, <c>double</c>, <c>byte[]</c>, a
/// <see cref="ThriftList"/> or a nested <see cref="ThriftStruct"/>. Written back, it gives the same fields in the same
/// encoding, so a field can be changed or added without knowing the rest of the struct.
/// </summary>
internal sealed class ThriftStruct
{
    public const byte True = 1, False = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7, Binary = 8, List = 9, Set = 10, Map = 11, Struct = 12;

    public List<(short Id, byte Type, object Value)> Fields { get; } = [];

    public object? this[short id] => Fields.FirstOrDefault(f => f.Id == id).Value;

    /// <summary>Field <paramref name="id"/> as a number (i8/i16/i32/i64), or null when absent.</summary>
    public long? Number(short id) => this[id] is long value ? value : null;

    /// <summary>Sets field <paramref name="id"/> (replacing it, or inserting it in id order).</summary>
    public void Put(short id, byte type, object value)
    {
        var at = Fields.FindIndex(f => f.Id >= id);
        if (at >= 0 && Fields[at].Id == id) Fields[at] = (id, type, value);
        else Fields.Insert(at < 0 ? Fields.Count : at, (id, type, value));
    }

    /// <summary>Reads a struct from <paramref name="data"/> at <paramref name="position"/>, which moves past it.</summary>
    public static ThriftStruct Read(ReadOnlySpan<byte> data, ref int position, int depth = 0)
    {
        if (depth > 32) throw new InvalidDataException("Thrift values nested too deep.");
        var result = new ThriftStruct();
        short id = 0;
        while (true)
        {
            var header = ReadByte(data, ref position);
            if (header == 0) return result;
            var type = (byte)(header & 0x0F);
            var delta = header >> 4;
            id = delta != 0 ? (short)(id + delta) : checked((short)Unzigzag(ReadVarint(data, ref position)));
            result.Fields.Add((id, type, type is True or False ? type == True : ReadValue(data, ref position, type, depth)));
        }
    }

    internal static object ReadValue(ReadOnlySpan<byte> data, ref int position, byte type, int depth)
    {
        switch (type)
        {
            case Byte: return (long)(sbyte)ReadByte(data, ref position);
            case I16 or I32 or I64: return Unzigzag(ReadVarint(data, ref position));
            case Double:
                if (position + 8 > data.Length) throw Truncated();
                position += 8;
                return BinaryPrimitives.ReadDoubleLittleEndian(data[(position - 8)..]);
            case Binary:
                var length = checked((int)ReadVarint(data, ref position));
                if (length < 0 || position + length > data.Length) throw Truncated();
                position += length;
                return data.Slice(position - length, length).ToArray();
            case List or Set: return ThriftList.Read(data, ref position, depth + 1);
            case Struct: return Read(data, ref position, depth + 1);
            default: throw new InvalidDataException($"Thrift field of unknown type {type}.");
        }
    }

    /// <summary>Writes the struct (its fields, then the stop byte).</summary>
    public void Write(Stream output)
    {
        short previous = 0;
        foreach (var (id, type, value) in Fields)
        {
            var wire = type is True or False ? (bool)value ? True : False : type;
            var delta = id - previous;
            if (delta is > 0 and <= 15) output.WriteByte((byte)(delta << 4 | wire));
            else { output.WriteByte(wire); WriteVarint(output, Zigzag(id)); }
            if (type is not (True or False)) WriteValue(output, type, value);
            previous = id;
        }
        output.WriteByte(0);
    }

    internal static void WriteValue(Stream output, byte type, object value)
    {
        switch (type)
        {
            case True or False: output.WriteByte((bool)value ? True : False); break; // a boolean inside a list
            case Byte: output.WriteByte((byte)(long)value); break;
            case I16 or I32 or I64: WriteVarint(output, Zigzag((long)value)); break;
            case Double:
                Span<byte> bytes = stackalloc byte[8];
                BinaryPrimitives.WriteDoubleLittleEndian(bytes, (double)value);
                output.Write(bytes);
                break;
            case Binary: var data = (byte[])value; WriteVarint(output, (ulong)data.Length); output.Write(data); break;
            case List or Set: ((ThriftList)value).Write(output); break;
            case Struct: ((ThriftStruct)value).Write(output); break;
            default: throw new InvalidDataException($"Thrift field of unknown type {type}.");
        }
    }

    /// <summary>The struct's bytes as <see cref="Write"/> writes them.</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        Write(buffer);
        return buffer.ToArray();
    }

    internal static byte ReadByte(ReadOnlySpan<byte> data, ref int position) =>
        position < data.Length ? data[position++] : throw Truncated();

    internal static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte(data, ref position);
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("Thrift varint longer than 10 bytes.");
    }

    internal static void WriteVarint(Stream output, ulong value)
    {
        while (value >= 0x80) { output.WriteByte((byte)(value | 0x80)); value >>= 7; }
        output.WriteByte((byte)value);
    }

    private static long Unzigzag(ulong n) => (long)(n >> 1) ^ -(long)(n & 1);
    private static ulong Zigzag(long n) => (ulong)((n << 1) ^ (n >> 63));

    internal static InvalidDataException Truncated() => new("Thrift struct cut short.") { Data = { [CutShort] = true } };

    /// <summary>
    /// Whether <paramref name="error"/> is a value running past the end of its bytes (while a file is being written:
    /// not yet arrived).
    /// </summary>
    internal static bool IsCutShort(Exception error) => error.Data.Contains(CutShort);

    private const string CutShort = "thrift.cut-short";
}

/// <summary>A Thrift compact-protocol list (or set): its element type and elements.</summary>
internal sealed record ThriftList(byte ElementType, List<object> Items)
{
    public static ThriftList Read(ReadOnlySpan<byte> data, ref int position, int depth)
    {
        if (depth > 32) throw new InvalidDataException("Thrift values nested too deep.");
        var header = ThriftStruct.ReadByte(data, ref position);
        var type = (byte)(header & 0x0F);
        var count = header >> 4 == 15 ? checked((int)ThriftStruct.ReadVarint(data, ref position)) : header >> 4;
        if (count < 0 || count > data.Length - position) throw ThriftStruct.Truncated(); // every element takes at least one byte
        var items = new List<object>(count);
        for (var i = 0; i < count; i++)
            items.Add(type is ThriftStruct.True or ThriftStruct.False
                ? ThriftStruct.ReadByte(data, ref position) == ThriftStruct.True
                : ThriftStruct.ReadValue(data, ref position, type, depth + 1));
        return new ThriftList(type, items);
    }

    public void Write(Stream output)
    {
        if (Items.Count < 15) output.WriteByte((byte)(Items.Count << 4 | ElementType));
        else { output.WriteByte((byte)(0xF0 | ElementType)); ThriftStruct.WriteVarint(output, (ulong)Items.Count); }
        foreach (var item in Items) ThriftStruct.WriteValue(output, ElementType, item);
    }
}
