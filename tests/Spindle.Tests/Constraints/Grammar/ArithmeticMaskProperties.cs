using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Tests.Constraints.Grammar;

/// <summary>FsCheck: random arithmetic expressions, byte by byte, the mask equals brute force and contains the next byte.</summary>
public class ArithmeticMaskProperties
{
    private static readonly Lazy<CompiledGrammar> Grammar = new(() => new CompiledGrammar(GbnfGrammar.Parse(TestGrammars.Arithmetic)));

    private static Gen<string> Expression(int size) => size <= 0
        ? Gen.Choose(0, 9999).Select(n => n.ToString())
        : Gen.OneOf(
            Gen.Choose(0, 9999).Select(n => n.ToString()),
            from a in Expression(size / 2) from op in Gen.Elements("+", "-", "*", "/") from b in Expression(size / 2) select a + op + b,
            Expression(size - 1).Select(e => "(" + e + ")"),
            Expression(size - 1).Select(e => "-" + e));

    [Fact]
    public void MaskEqualsBruteForceOnEveryPrefix()
    {
        Prop.ForAll(Gen.Sized(s => Expression(Math.Min(s, 12))).ToArbitrary(), text =>
        {
            var m = TestGrammars.ByteMatcher(Grammar.Value);
            var mask = new TokenMask(ByteVocabulary.Instance.TokenCount);
            foreach (byte b in Encoding.ASCII.GetBytes(text))
            {
                m.ComputeMask(mask);
                for (int t = 0; t < ByteVocabulary.Instance.TokenCount; t++)
                {
                    bool ok = m.TryAccept(t);
                    if (ok) m.Rollback(1);
                    if (ok != mask[t]) return false;
                }
                if (!mask[b] || !m.TryAccept(b)) return false;
            }
            m.ComputeMask(mask);
            return m.IsAccepting && mask[ByteVocabulary.Eos];
        }).QuickCheckThrowOnFailure();
    }
}
