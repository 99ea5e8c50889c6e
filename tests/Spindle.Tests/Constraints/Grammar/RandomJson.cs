using System.Text;

namespace Spindle.Tests.Constraints.Grammar;

/// <summary>Random valid JSON documents with random whitespace, escapes and non-ASCII text.</summary>
internal static class RandomJson
{
    private static readonly string[] Words = ["name", "id", "value", "é", "中文", "🙂", "a b", "x\"y", "tab\t", "line\n", "\\", "/", "", "0", "true"];

    public static string Document(Random rng, int maxDepth = 4)
    {
        var sb = new StringBuilder();
        if (rng.Next(4) == 0) sb.Append(' ');
        Value(rng, sb, maxDepth);
        return sb.ToString();
    }

    private static void Ws(Random rng, StringBuilder sb)
    {
        int n = rng.Next(6) == 0 ? rng.Next(1, 4) : 0;
        for (int i = 0; i < n; i++) sb.Append(" \n\t\r"[rng.Next(4)]);
    }

    private static void Value(Random rng, StringBuilder sb, int depth)
    {
        int kind = rng.Next(depth > 0 ? 7 : 4);
        switch (kind)
        {
            case 0: String(rng, sb); break;
            case 1: Number(rng, sb); break;
            case 2: sb.Append(rng.Next(3) switch { 0 => "true", 1 => "false", _ => "null" }); break;
            case 3: String(rng, sb); break;
            case 4 or 5:
                sb.Append('{'); Ws(rng, sb);
                int n = rng.Next(4);
                for (int i = 0; i < n; i++)
                {
                    if (i > 0) { sb.Append(','); Ws(rng, sb); }
                    String(rng, sb); Ws(rng, sb); sb.Append(':'); Ws(rng, sb);
                    Value(rng, sb, depth - 1); Ws(rng, sb);
                }
                sb.Append('}');
                break;
            default:
                sb.Append('['); Ws(rng, sb);
                int m = rng.Next(4);
                for (int i = 0; i < m; i++)
                {
                    if (i > 0) { sb.Append(','); Ws(rng, sb); }
                    Value(rng, sb, depth - 1); Ws(rng, sb);
                }
                sb.Append(']');
                break;
        }
    }

    private static void String(Random rng, StringBuilder sb)
    {
        sb.Append('"');
        int parts = rng.Next(3);
        for (int i = 0; i < parts; i++)
        {
            string w = Words[rng.Next(Words.Length)];
            foreach (char c in w)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '/': sb.Append(rng.Next(2) == 0 ? "/" : "\\/"); break;
                    default: sb.Append(c); break;
                }
            }
            if (rng.Next(5) == 0) sb.Append("\\u00").Append(rng.Next(16, 256).ToString("x2"));
            if (i + 1 < parts) sb.Append(' ');
        }
        sb.Append('"');
    }

    private static void Number(Random rng, StringBuilder sb)
    {
        if (rng.Next(3) == 0) sb.Append('-');
        sb.Append(rng.Next(4) == 0 ? "0" : rng.Next(1, 100000).ToString());
        if (rng.Next(3) == 0) sb.Append('.').Append(rng.Next(1000));
        if (rng.Next(4) == 0) sb.Append("eE"[rng.Next(2)]).Append(rng.Next(3) switch { 0 => "", 1 => "+", _ => "-" }).Append(rng.Next(1, 40));
    }
}
