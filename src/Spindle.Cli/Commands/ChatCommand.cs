using System.CommandLine;
using System.Text;
using Spindle.Chat;
using Spindle.Generation;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle chat`: an interactive conversation through the model's chat template (ChatML when the file has none).
/// The history is kept across turns and the KV cache is reused for the part of the new prompt that extends the old one.
/// Commands: /reset (forget the conversation), /system TEXT (set the system prompt), /exit; Ctrl-D (end of input) also
/// exits. Ctrl-C while a reply is being written stops that reply and returns to the prompt.
/// </summary>
internal static class ChatCommand
{
    public const string Prompt = "> ";

    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        var maxTokens = new Option<int>("--n-predict", "-n") { Description = "Most tokens per reply (−1: until end of generation or a full context)", DefaultValueFactory = _ => -1 };
        var system = new Option<string?>("--system") { Description = "System prompt to start with" };
        var threads = ModelCommandOptions.Threads();
        var contextSize = ModelCommandOptions.ContextSize();
        var tokenizer = ModelCommandOptions.Tokenizer();
        var stats = new Option<bool>("--stats") { Description = "Print tokens/s and reused cache tokens after each reply (stderr)" };
        var sampling = new SamplingFlags();

        var command = new Command("chat", "Chat with a model interactively (/reset, /system TEXT, /exit; Ctrl-C stops a reply)");
        foreach (var o in new Option[] { model, maxTokens, system, threads, contextSize, stats, tokenizer }) command.Options.Add(o);
        foreach (var o in sampling.All) command.Options.Add(o);
        command.SetAction(parse =>
        {
            int n = parse.GetValue(maxTokens);
            if (n < -1) throw new CliException($"-n must be ≥ −1, not {n}");
            var options = new GenerationOptions { MaxTokens = n < 0 ? int.MaxValue : n, Sampling = sampling.Parse(parse) };
            using var spindle = ModelCommandOptions.LoadSpindle(parse.GetValue(model), parse.GetValue(threads), parse.GetValue(contextSize), parse.GetValue(tokenizer));
            var session = new ChatSession(context, spindle, options, parse.GetValue(system), parse.GetValue(stats));
            return session.Run();
        });
        return command;
    }

    private sealed class ChatSession(CliContext context, SpindleModel model, GenerationOptions options, string? systemPrompt, bool stats)
    {
        private readonly List<ChatMessage> _history = [];
        private string? _system = systemPrompt;

        public int Run()
        {
            using var cancel = new ConsoleCancellation(context) { Active = false };
            var output = context.Out;
            output.WriteLine("Chatting with " + (model.Model.File.Metadata.GetStringOrNull("general.name") ?? "the model") +
                             ". /reset, /system TEXT, /exit; Ctrl-C stops a reply, Ctrl-D exits.");
            while (true)
            {
                output.Write(Prompt);
                output.Flush();
                string? line = context.In.ReadLine();
                if (line is null)
                {
                    output.WriteLine();
                    return 0;
                }
                line = line.Trim();
                if (line.Length == 0) continue;
                if (line == "/exit" || line == "/quit") return 0;
                if (line == "/reset")
                {
                    _history.Clear();
                    output.WriteLine("(conversation cleared)");
                    continue;
                }
                if (line == "/system" || line.StartsWith("/system ", StringComparison.Ordinal))
                {
                    string text = line.Length > 7 ? line[8..].Trim() : "";
                    _system = text.Length == 0 ? null : text;
                    output.WriteLine(_system is null ? "(system prompt removed)" : "(system prompt set)");
                    continue;
                }
                if (line.StartsWith('/'))
                {
                    output.WriteLine($"unknown command {line.Split(' ')[0]} (commands: /reset, /system TEXT, /exit)");
                    continue;
                }
                _history.Add(ChatMessage.User(line));
                cancel.Renew();
                cancel.Active = true;
                try
                {
                    Reply(cancel.Token);
                }
                finally
                {
                    cancel.Active = false;
                }
            }
        }

        private void Reply(CancellationToken cancellationToken)
        {
            var messages = new List<ChatMessage>(_history.Count + 1);
            if (_system != null) messages.Add(ChatMessage.System(_system));
            messages.AddRange(_history);
            int[] prompt = model.EncodeChat(messages, options);
            if (prompt.Length >= model.ContextLength)
            {
                _history.RemoveAt(_history.Count - 1);
                context.Out.WriteLine($"(the conversation no longer fits the context of {model.ContextLength} tokens: /reset to start over)");
                return;
            }
            var reply = new StringBuilder();
            GenerationChunk? last = null;
            foreach (var chunk in model.GenerateAsync(prompt, options, cancellationToken).ToBlockingEnumerable())
            {
                if (chunk.Text.Length > 0)
                {
                    reply.Append(chunk.Text);
                    context.Out.Write(chunk.Text);
                    context.Out.Flush();
                }
                last = chunk;
            }
            context.Out.WriteLine();
            if (last?.FinishReason == FinishReason.Cancelled) context.Out.WriteLine("(reply stopped)");
            // A stopped reply stays in the history as far as it got, which also keeps the cached tokens a prefix of the next prompt.
            _history.Add(ChatMessage.Assistant(reply.ToString().Trim()));
            if (stats && last?.Usage is { } u)
                context.Error.WriteLine(GenerateCommand.Summary(u, last.FinishReason) + $"; reused {u.CachedPromptTokens} cached prompt tokens");
        }
    }
}
