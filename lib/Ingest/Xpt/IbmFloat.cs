using System.Buffers.Binary;

namespace PopHealth.Ingest.Xpt;

/// <summary>
/// IBM System/360 hexadecimal floating point, as SAS transport files store numbers: sign bit, 7-bit
/// base-16 exponent biased by 64, 56-bit fraction, big-endian, truncated to 2–8 bytes. SAS missing
/// values are a first byte of '.', 'A'–'Z' or '_' followed by zero bytes.
/// </summary>
public static class IbmFloat
{
    /// <summary>
    /// Decodes <paramref name="bytes"/> (2–8 bytes). Returns null for a SAS missing value and says which in
    /// <paramref name="missing"/>.
    /// </summary>
    public static double? Decode(ReadOnlySpan<byte> bytes, out char missing)
    {
        ulong bits;
        if (bytes.Length == 8) bits = BinaryPrimitives.ReadUInt64BigEndian(bytes); // the usual width: no copy
        else
        {
            Span<byte> full = stackalloc byte[8];
            full.Clear();
            bytes.CopyTo(full);
            bits = BinaryPrimitives.ReadUInt64BigEndian(full);
        }
        missing = IsMissing(bits);
        return missing == '\0' ? FromBits(bits) : null;
    }

    /// <summary>
    /// The SAS missing value <paramref name="bits"/> (big-endian, zero-padded to 8 bytes) hold ('.', 'A'–'Z', '_'), or
    /// '\0' for a number.
    /// </summary>
    public static char IsMissing(ulong bits)
    {
        var first = (byte)(bits >> 56);
        return (bits & 0x00FF_FFFF_FFFF_FFFFUL) == 0 && IsMissingMarker(first) ? (char)first : '\0';
    }

    /// <summary>2^(4e − 56) for IBM exponents e = −64…63: all normal doubles, so scaling by them is exact.</summary>
    private static readonly double[] Scale = Enumerable.Range(-64, 128).Select(e => Math.ScaleB(1.0, 4 * e - 56)).ToArray();

    /// <summary>The number <paramref name="bits"/> (big-endian, zero-padded to 8 bytes) hold; not a missing value.</summary>
    public static double FromBits(ulong bits)
    {
        var fraction = bits & 0x00FF_FFFF_FFFF_FFFFUL;
        var negative = (bits >> 63) != 0;
        if (fraction == 0) return negative ? -0.0 : 0.0;
        // value = fraction / 2^56 * 16^exponent. The ulong→double conversion is the only rounding (to nearest, ties to
        // even); the scaling by a power of two is exact within double's range, which covers IBM's.
        var value = (double)fraction * Scale[(int)((bits >> 56) & 0x7F)];
        return negative ? -value : value;
    }

    /// <summary>
    /// Encodes <paramref name="value"/> into <paramref name="destination"/> (2–8 bytes). A double's 53-bit
    /// significand fits IBM's 56-bit fraction, so 8 bytes are exact; shorter widths truncate, as SAS does.
    /// Null or NaN writes the missing value <paramref name="missing"/> ('.' by default).
    /// </summary>
    public static void Encode(double? value, Span<byte> destination, char missing = '.')
    {
        if (destination.Length is < 2 or > 8) throw new ArgumentException("IBM floats in transport files are 2 to 8 bytes.");
        destination.Clear();
        if (value is not { } v || double.IsNaN(v))
        {
            if (!IsMissingMarker((byte)missing)) throw new ArgumentException($"'{missing}' is not a SAS missing value ('.', 'A'-'Z', '_').");
            destination[0] = (byte)missing;
            return;
        }
        if (double.IsInfinity(v)) throw new ArgumentOutOfRangeException(nameof(value), "Infinity has no IBM hexadecimal representation.");
        if (v == 0)
        {
            if (double.IsNegative(v)) destination[0] = 0x80;
            return;
        }
        var negative = v < 0;
        var magnitude = Math.Abs(v);
        // magnitude = m * 2^e with m in [0.5, 1); make the exponent a multiple of 4 (base 16).
        var e = Math.ILogB(magnitude) + 1;
        var hexExponent = (int)Math.Ceiling(e / 4.0);
        if (hexExponent > 63) throw new ArgumentOutOfRangeException(nameof(value), $"{v} is beyond the IBM hexadecimal float range (about 7.2e75).");
        if (hexExponent < -64) return; // underflows to zero, as IBM floats cannot hold it
        var fraction = (ulong)Math.ScaleB(magnitude, 56 - 4 * hexExponent); // exact: < 2^56, 53 significant bits
        var bits = ((ulong)(hexExponent + 64) << 56) | fraction;
        if (negative) bits |= 1UL << 63;
        Span<byte> full = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(full, bits);
        full[..destination.Length].CopyTo(destination);
    }

    /// <summary>'.', 'A'–'Z' or '_': the first byte of a SAS missing value.</summary>
    public static bool IsMissingMarker(byte b) => b == (byte)'.' || b == (byte)'_' || (b >= (byte)'A' && b <= (byte)'Z');
}
