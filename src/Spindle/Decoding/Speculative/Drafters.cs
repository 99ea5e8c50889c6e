using Spindle.Models;

namespace Spindle.Decoding.Speculative;

/// <summary>Makes the drafter <see cref="SpeculationOptions"/> describe for a target model.</summary>
public static class Drafters
{
    /// <exception cref="ArgumentException">the draft model's vocabulary differs from the target's, or the target is too shallow for self-speculation.</exception>
    public static IDrafter Create(SpeculationOptions options, Model target, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(target);
        options.Validate();
        switch (options.Method)
        {
            case SpeculationMethod.DraftModel:
                var draft = options.DraftModel!;
                if (draft.Config.VocabSize != target.Config.VocabSize)
                    throw new ArgumentException(
                        $"the draft model's vocabulary has {draft.Config.VocabSize} tokens, the target's {target.Config.VocabSize}: speculation needs the same vocabulary");
                return new DraftModelDrafter(draft, contextLength, options);
            case SpeculationMethod.Lookup:
                return new PromptLookupDrafter(options);
            case SpeculationMethod.Recycle:
                return new TokenRecyclingDrafter(options);
            default:
                if (options.SelfSpeculationLayers >= target.Config.LayerCount)
                    throw new ArgumentException(
                        $"self-speculation drafts with fewer layers than the model's {target.Config.LayerCount}, not {options.SelfSpeculationLayers}");
                return new SelfSpeculativeDrafter(options);
        }
    }
}
