using System.Text;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>RFC 3492 Punycode, for checking "xn--" A-labels: decode, and re-encode to confirm the label was canonical.</summary>
internal static class Punycode
{
    private const int Base = 36, TMin = 1, TMax = 26, Skew = 38, Damp = 700, InitialBias = 72, InitialN = 128;

    /// <summary>Decodes the part after "xn--" into code points; false on malformed input or overflow.</summary>
    public static bool TryDecode(string input, out List<int> output)
    {
        output = [];
        int delimiter = input.LastIndexOf('-');
        for (int j = 0; j < Math.Max(delimiter, 0); j++)
        {
            if (input[j] >= 0x80) return false;
            output.Add(input[j]);
        }
        int n = InitialN, bias = InitialBias;
        long i = 0;
        int pos = delimiter >= 0 ? delimiter + 1 : 0;
        while (pos < input.Length)
        {
            long oldI = i, w = 1;
            for (int k = Base; ; k += Base)
            {
                if (pos >= input.Length) return false;
                int digit = DigitValue(input[pos++]);
                if (digit < 0) return false;
                i += digit * w;
                if (i > int.MaxValue) return false;
                int t = k <= bias ? TMin : k >= bias + TMax ? TMax : k - bias;
                if (digit < t) break;
                w *= Base - t;
                if (w > int.MaxValue) return false;
            }
            int count = output.Count + 1;
            bias = Adapt((int)(i - oldI), count, oldI == 0);
            n += (int)(i / count);
            i %= count;
            if (n > 0x10FFFF || n is >= 0xD800 and <= 0xDFFF) return false;
            output.Insert((int)i, n);
            i++;
        }
        return true;
    }

    public static string Encode(IReadOnlyList<int> input)
    {
        var sb = new StringBuilder();
        foreach (int c in input)
            if (c < 0x80) sb.Append((char)c);
        int basic = sb.Length, handled = basic;
        if (basic > 0) sb.Append('-');
        int n = InitialN, bias = InitialBias;
        long delta = 0;
        while (handled < input.Count)
        {
            int m = int.MaxValue;
            foreach (int c in input)
                if (c >= n && c < m) m = c;
            delta += (long)(m - n) * (handled + 1);
            n = m;
            foreach (int c in input)
            {
                if (c < n) delta++;
                if (c != n) continue;
                long q = delta;
                for (int k = Base; ; k += Base)
                {
                    int t = k <= bias ? TMin : k >= bias + TMax ? TMax : k - bias;
                    if (q < t) break;
                    sb.Append(DigitChar((int)(t + (q - t) % (Base - t))));
                    q = (q - t) / (Base - t);
                }
                sb.Append(DigitChar((int)q));
                bias = Adapt((int)delta, handled + 1, handled == basic);
                delta = 0;
                handled++;
            }
            delta++;
            n++;
        }
        return sb.ToString();
    }

    private static int Adapt(int delta, int numPoints, bool first)
    {
        delta = first ? delta / Damp : delta / 2;
        delta += delta / numPoints;
        int k = 0;
        while (delta > ((Base - TMin) * TMax) / 2)
        {
            delta /= Base - TMin;
            k += Base;
        }
        return k + (Base - TMin + 1) * delta / (delta + Skew);
    }

    private static int DigitValue(char c) => c switch
    {
        >= 'a' and <= 'z' => c - 'a',
        >= 'A' and <= 'Z' => c - 'A',
        >= '0' and <= '9' => c - '0' + 26,
        _ => -1,
    };

    private static char DigitChar(int d) => (char)(d < 26 ? 'a' + d : '0' + d - 26);
}
