namespace Spindle.Constraints.Lexing;

/// <summary>
/// Splits a code point range into sequences of byte ranges whose concatenations are exactly the UTF-8 encodings of the
/// range (surrogates excluded), so a character class becomes a small byte automaton. Each sequence holds 1–4 ranges.
/// </summary>
public static class Utf8Ranges
{
    public static List<(byte Low, byte High)[]> Split(CodePointSet set)
    {
        var result = new List<(byte, byte)[]>();
        var pending = new Stack<(int, int)>();
        foreach (var r in set.Ranges)
        {
            pending.Push((r.Low, r.High));
            while (pending.Count > 0)
            {
                var (s, e) = pending.Pop();
                SplitOne(s, e, pending, result);
            }
        }
        return result;
    }

    private static void SplitOne(int s, int e, Stack<(int, int)> pending, List<(byte, byte)[]> result)
    {
        while (true)
        {
            if (s > e) return;
            if (s <= 0xDFFF && e >= 0xD800)
            {
                if (e > 0xDFFF) pending.Push((0xE000, e));
                e = 0xD7FF;
                continue;
            }
            bool split = false;
            foreach (int boundary in (ReadOnlySpan<int>)[0x7F, 0x7FF, 0xFFFF])
            {
                if (s <= boundary && e > boundary)
                {
                    pending.Push((boundary + 1, e));
                    e = boundary;
                    split = true;
                    break;
                }
            }
            if (split) continue;
            if (e <= 0x7F)
            {
                result.Add([((byte)s, (byte)e)]);
                return;
            }
            for (int i = 1; i < 4; i++)
            {
                int max = (1 << (6 * i)) - 1;
                if ((s & ~max) != (e & ~max))
                {
                    if ((s & max) != 0)
                    {
                        pending.Push(((s | max) + 1, e));
                        e = s | max;
                        split = true;
                        break;
                    }
                    if ((e & max) != max)
                    {
                        pending.Push((e & ~max, e));
                        e = (e & ~max) - 1;
                        split = true;
                        break;
                    }
                }
            }
            if (split) continue;
            Span<byte> lo = stackalloc byte[4], hi = stackalloc byte[4];
            int n = Encode(s, lo);
            Encode(e, hi);
            var seq = new (byte, byte)[n];
            for (int k = 0; k < n; k++) seq[k] = (lo[k], hi[k]);
            result.Add(seq);
            return;
        }
    }

    private static int Encode(int cp, Span<byte> dst)
    {
        if (cp < 0x80) { dst[0] = (byte)cp; return 1; }
        if (cp < 0x800) { dst[0] = (byte)(0xC0 | cp >> 6); dst[1] = (byte)(0x80 | cp & 0x3F); return 2; }
        if (cp < 0x10000)
        {
            dst[0] = (byte)(0xE0 | cp >> 12); dst[1] = (byte)(0x80 | cp >> 6 & 0x3F); dst[2] = (byte)(0x80 | cp & 0x3F);
            return 3;
        }
        dst[0] = (byte)(0xF0 | cp >> 18); dst[1] = (byte)(0x80 | cp >> 12 & 0x3F);
        dst[2] = (byte)(0x80 | cp >> 6 & 0x3F); dst[3] = (byte)(0x80 | cp & 0x3F);
        return 4;
    }
}
