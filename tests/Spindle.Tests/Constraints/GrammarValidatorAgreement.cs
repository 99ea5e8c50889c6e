using System.Text;
using System.Text.Json;
using Spindle.Constraints;
using Spindle.Constraints.JsonSchema.Validation;
using Spindle.Constraints.Parsing;
using Spindle.Tests.Constraints.Grammar;

namespace Spindle.Tests.Constraints;

/// <summary>
/// The two sides the JSON Schema compiler tests compare: whether a compiled grammar accepts a text (fed as bytes on the
/// llama-spm vocabulary's trie) and whether the validator accepts the same text as an instance.
/// </summary>
internal static class GrammarValidatorAgreement
{
    public static readonly RealVocabulary Llama = RealVocabulary.Get("ggml-vocab-llama-spm.gguf");

    public static bool Accepts(CompiledGrammar grammar, string text)
    {
        var matcher = new Matcher(grammar, Llama.Trie);
        return matcher.TryAcceptBytes(Encoding.UTF8.GetBytes(text)) && matcher.IsAccepting;
    }

    public static bool IsValid(JsonSchemaValidator validator, string instance)
    {
        using var doc = JsonDocument.Parse(instance);
        return validator.IsValid(doc.RootElement);
    }

    /// <summary>Every object over <paramref name="keys"/> (each key at most once, any order) with each value from <paramref name="values"/>.</summary>
    public static IEnumerable<string> AllObjects(string[] keys, string[] values)
    {
        var used = new bool[keys.Length];
        var members = new List<string>();
        IEnumerable<string> Extend()
        {
            yield return "{" + string.Join(",", members) + "}";
            for (int k = 0; k < keys.Length; k++)
            {
                if (used[k]) continue;
                used[k] = true;
                foreach (string v in values)
                {
                    members.Add($"\"{keys[k]}\":{v}");
                    foreach (var o in Extend()) yield return o;
                    members.RemoveAt(members.Count - 1);
                }
                used[k] = false;
            }
        }
        return Extend();
    }
}
