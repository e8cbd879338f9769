using System.Buffers;

namespace PopHealth.Ingest;

/// <summary>
/// RFC 4180 records read one at a time from text: quoted fields may hold commas, doubled quotes and line breaks;
/// lines end with LF, CRLF or CR. Blank lines are skipped. Fields are kept end to end in one reused buffer, so a
/// record costs no allocation; a field longer than <see cref="CsvSource.MaxFieldLength"/> is an error, and fields
/// past the number asked for are counted but not kept, so memory stays bounded whatever the input.
/// </summary>
internal sealed class CsvRecords(TextReader input, string sourceName) : IDisposable
{
    private static readonly SearchValues<char> Unquoted = SearchValues.Create(",\"\r\n");
    private static readonly SearchValues<char> Quoted = SearchValues.Create("\"\r\n");

    private readonly char[] block = new char[1 << 16];
    private int blockStart, blockEnd;
    private bool endOfInput;
    private char[] text = new char[1 << 10];
    private int[] ends = new int[64];
    private int length, fieldLength;
    private bool anyQuote;
    private long nextLine = 1;
    /// <summary>A CR ended the last line: an LF right after it belongs to that line ending.</summary>
    private bool skipLineFeed;

    /// <summary>The line (1-based, as an editor counts) where the current record starts.</summary>
    public long Line { get; private set; }
    /// <summary>Fields in the current record, kept or not.</summary>
    public int FieldCount { get; private set; }

    /// <summary>
    /// Field <paramref name="index"/> of the current record, untrimmed (only the first fields asked for in
    /// <see cref="Next"/> are kept).
    /// </summary>
    public ReadOnlySpan<char> Field(int index)
    {
        var start = index == 0 ? 0 : ends[index - 1];
        return text.AsSpan(start, ends[index] - start);
    }

    /// <summary>Reads the next non-blank record, keeping its first <paramref name="keep"/> fields; false at the end.</summary>
    public bool Next(int keep)
    {
        while (ReadRecord(keep))
            if (FieldCount > 1 || anyQuote || !Field(0).IsWhiteSpace()) return true;
        return false;
    }

    private bool ReadRecord(int keep)
    {
        (length, fieldLength, FieldCount, anyQuote) = (0, 0, 0, false);
        if (Peek() < 0) return false;
        Line = nextLine;
        var quoted = false;
        while (true)
        {
            if (blockStart == blockEnd && !Refill())
            {
                if (quoted)
                    throw new InvalidDataException($"{sourceName}: line {Line:N0}: a quoted field is not closed before the end of the file; " +
                        $"the file is cut short or a quote is stray.");
                EndField(keep);
                return true;
            }
            var span = block.AsSpan(blockStart, blockEnd - blockStart);
            var k = quoted ? span.IndexOfAny(Quoted) : span.IndexOfAny(Unquoted);
            if (k < 0) k = span.Length;
            Append(span[..k], keep);
            blockStart += k;
            if (blockStart == blockEnd) continue;
            var c = block[blockStart++];
            if (c == '"')
            {
                if (!quoted) (quoted, anyQuote) = (true, true);
                else if (Peek() == '"') { blockStart++; Append("\"", keep); }
                else quoted = false;
            }
            else if (c == ',' && !quoted) EndField(keep);
            else if (quoted)
            {
                // A line break inside quotes is part of the field, and a new line for the count.
                Append(c == '\r' ? "\r" : "\n", keep);
                if (c == '\r' && Peek() == '\n') { blockStart++; Append("\n", keep); }
                nextLine++;
            }
            else
            {
                nextLine++;
                skipLineFeed = c == '\r';
                EndField(keep);
                return true;
            }
        }
    }

    /// <summary>The next character without consuming it (-1 at the end); drops the LF of a CRLF split across reads.</summary>
    private int Peek()
    {
        if (blockStart == blockEnd && !Refill()) return -1;
        if (skipLineFeed)
        {
            skipLineFeed = false;
            if (block[blockStart] == '\n' && ++blockStart == blockEnd && !Refill()) return -1;
        }
        return block[blockStart];
    }

    private bool Refill()
    {
        if (endOfInput) return false;
        blockStart = 0;
        blockEnd = input.Read(block, 0, block.Length);
        endOfInput = blockEnd == 0;
        return !endOfInput;
    }

    private void Append(ReadOnlySpan<char> chars, int keep)
    {
        fieldLength += chars.Length;
        if (fieldLength > CsvSource.MaxFieldLength)
            throw new InvalidDataException($"{sourceName}: line {Line:N0}, field {FieldCount + 1:N0}: " +
                $"longer than {CsvSource.MaxFieldLength:N0} characters. A survey value is a few characters: this is not a CSV of BRFSS data, " +
                $"or a quote is not closed.");
        if (FieldCount >= keep || chars.IsEmpty) return;
        if (length + chars.Length > text.Length) Array.Resize(ref text, Math.Max(2 * text.Length, length + chars.Length));
        chars.CopyTo(text.AsSpan(length));
        length += chars.Length;
    }

    private void EndField(int keep)
    {
        if (FieldCount < keep)
        {
            if (FieldCount == ends.Length) Array.Resize(ref ends, 2 * ends.Length);
            ends[FieldCount] = length;
        }
        FieldCount++;
        fieldLength = 0;
    }

    public void Dispose() => input.Dispose();
}
