using System.CommandLine;
using Spindle.Tokenization;

namespace Spindle.Cli.Commands;

/// <summary>`spindle detokenize --model MODEL ID...`: token ids → text, the way llama.cpp's llama_detokenize renders them.</summary>
internal static class DetokenizeCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "Path to a GGUF file or Hugging Face checkpoint folder holding the tokenizer", Required = true };
        var tokenizerOption = ModelCommandOptions.Tokenizer();
        var special = new Option<bool>("--special") { Description = "Render control tokens (such as <s>) as text" };
        var ids = new Argument<int[]>("ids") { Description = "Token ids", Arity = ArgumentArity.OneOrMore };
        var command = new Command("detokenize", "Turn token ids back into text");
        command.Options.Add(model);
        command.Options.Add(special);
        command.Options.Add(tokenizerOption);
        command.Arguments.Add(ids);
        command.SetAction(parse =>
        {
            var tokenizer = TokenizerFiles.Load(parse.GetRequiredValue(model), parse.GetValue(tokenizerOption));
            int[] tokens = parse.GetRequiredValue(ids);
            foreach (int id in tokens)
                if (!tokenizer.Vocabulary.IsValid(id))
                    throw new CliException($"token id {id} is outside the vocabulary [0, {tokenizer.Vocabulary.Count})");
            context.Out.WriteLine(tokenizer.Decode(tokens, removeSpecial: false, unparseSpecial: parse.GetValue(special)));
            return 0;
        });
        return command;
    }
}
