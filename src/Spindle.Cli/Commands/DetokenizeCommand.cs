using System.CommandLine;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle detokenize [--model MODEL] ID...`: token ids → text, the way llama.cpp's llama_detokenize renders them. Ids
/// may be separate words, comma-separated (1,2,3) or as `tokenize --ids` prints them ([1, 2, 3]). The text is the
/// model's, written exactly to a pipe and with control characters escaped on a terminal.
/// </summary>
internal static class DetokenizeCommand
{
    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        var tokenizerOption = ModelCommandOptions.Tokenizer();
        var special = new Option<bool>("--special") { Description = "Render control tokens (such as <s>) as text" };
        var ids = new Argument<string[]>("ids") { Description = "Token ids: 1 2 3, 1,2,3 or [1, 2, 3]", Arity = ArgumentArity.OneOrMore };
        var command = new Command("detokenize", "Turn token ids back into text");
        command.Options.Add(model);
        command.Options.Add(special);
        command.Options.Add(tokenizerOption);
        command.Arguments.Add(ids);
        command.SetAction(parse =>
        {
            int[] tokens = TokenIdList.Parse(string.Join(' ', parse.GetRequiredValue(ids)), "ids");
            var tokenizer = TokenizerFiles.Load(ModelPathResolver.Resolve(parse.GetValue(model)), parse.GetValue(tokenizerOption));
            TokenIdList.CheckInVocabulary(tokens, tokenizer.Vocabulary.Count);
            context.WriteGenerated(tokenizer.Decode(tokens, removeSpecial: false, unparseSpecial: parse.GetValue(special)));
            context.Out.WriteLine();
            return 0;
        });
        return command;
    }
}
