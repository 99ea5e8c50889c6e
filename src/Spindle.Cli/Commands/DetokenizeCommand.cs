using System.CommandLine;
using System.Text;
using Spindle.Tokenization;

namespace Spindle.Cli.Commands;

/// <summary>`spindle detokenize --model MODEL ID...`: token ids → text, the way llama.cpp's llama_detokenize renders them.</summary>
internal static class DetokenizeCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "Path to a GGUF file holding the tokenizer", Required = true };
        var special = new Option<bool>("--special") { Description = "Render control tokens (such as <s>) as text" };
        var ids = new Argument<int[]>("ids") { Description = "Token ids", Arity = ArgumentArity.OneOrMore };
        var command = new Command("detokenize", "Turn token ids back into text");
        command.Options.Add(model);
        command.Options.Add(special);
        command.Arguments.Add(ids);
        command.SetAction(parse =>
        {
            var tokenizer = TokenizerFiles.Load(parse.GetRequiredValue(model));
            int[] tokens = parse.GetRequiredValue(ids);
            foreach (int id in tokens)
                if (!tokenizer.Vocabulary.IsValid(id))
                    throw new CliException($"token id {id} is outside the vocabulary [0, {tokenizer.Vocabulary.Count})");
            context.Out.WriteLine(Detokenize(tokenizer, tokens, parse.GetValue(special)));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Concatenates the pieces' bytes and decodes them once, so a character split across tokens comes out whole.
    /// With add_space_prefix (SentencePiece) the space the encoder prepended is removed from the first piece, as
    /// llama.cpp does. (To be replaced by Tokenizer.Decode once the base class has it.)
    /// </summary>
    private static string Detokenize(Tokenizer tokenizer, int[] tokens, bool special)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < tokens.Length; i++)
        {
            ReadOnlySpan<byte> piece = tokenizer.TokenToPiece(tokens[i], special);
            if (i == 0 && tokenizer.Vocabulary.AddSpacePrefix && piece.Length > 0 && piece[0] == (byte)' ') piece = piece[1..];
            foreach (byte b in piece) bytes.Add(b);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
