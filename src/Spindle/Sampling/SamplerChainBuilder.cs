namespace Spindle.Sampling;

/// <summary>
/// Builds the chain for a <see cref="SamplingOptions"/> in llama.cpp's order: logit bias → penalties → DRY → top-nσ →
/// top-k → typical → top-p → min-p → XTC → temperature → pick (or temperature → Mirostat).
/// Constraint masks and watermarks go in with <see cref="Build"/>'s extra stages, right after the penalties; a
/// watermark that reshapes the final distribution (tournament sampling) replaces the sampling picker.
/// </summary>
public static class SamplerChainBuilder
{
    // XTC draws its coin from a stream of its own so that turning it on does not shift the picker's draws.
    private const ulong XtcStreamSalt = 0x5854435F53414C54UL;

    /// <exception cref="ArgumentOutOfRangeException">an option is NaN or out of range (<see cref="SamplingOptions.Validate"/>).</exception>
    /// <param name="tokenText">Decoded text of each token (for DRY's sequence breakers); may be null when DRY is off.</param>
    /// <param name="contextLength">What a window of −1 means.</param>
    /// <param name="maskStages">Stages that restrict or reweight tokens (constraints, watermarks), run after penalties.</param>
    /// <param name="samplingPicker">
    /// Makes the picker of a sampling chain from the request's generator, in place of <see cref="DistributionPicker"/>
    /// (it should be an <see cref="IShapedPicker"/> for speculative decoding); greedy and Mirostat chains keep theirs.
    /// </param>
    public static SamplerChain Build(
        SamplingOptions options, int vocabularySize, int contextLength,
        Func<int, string>? tokenText = null, IReadOnlyList<ILogitsStage>? maskStages = null,
        Func<SamplerRng, ILogitsStage>? samplingPicker = null)
    {
        options.Validate();
        var rng = new SamplerRng(options.Seed);
        var stages = new List<ILogitsStage>();
        if (options.LogitBias.Count > 0) stages.Add(new LogitBiasStage(options.LogitBias));
        int penaltyWindow = options.PenaltyWindow < 0 ? contextLength : options.PenaltyWindow;
        if (penaltyWindow > 0 && (options.RepetitionPenalty != 1f || options.FrequencyPenalty != 0f || options.PresencePenalty != 0f))
            stages.Add(new PenaltiesStage(penaltyWindow, options.RepetitionPenalty, options.FrequencyPenalty, options.PresencePenalty));
        if (options.DryMultiplier > 0f)
        {
            if (tokenText is null) throw new ArgumentException("DRY needs the tokens' text for its sequence breakers", nameof(tokenText));
            int window = options.DryWindow < 0 ? contextLength : options.DryWindow;
            var breakers = DryStage.BreakerTable(vocabularySize, tokenText, options.DrySequenceBreakers);
            stages.Add(new DryStage(options.DryMultiplier, options.DryBase, options.DryAllowedLength, window, breakers));
        }
        if (maskStages != null) stages.AddRange(maskStages);

        if (options.Temperature <= 0f && options.Mirostat == 0)
        {
            stages.Add(GreedyPicker.Instance);
            return new SamplerChain(stages, vocabularySize);
        }

        if (options.Mirostat is 1 or 2)
        {
            stages.Add(new TemperatureStage(Math.Max(options.Temperature, 1e-6f)));
            stages.Add(options.Mirostat == 1
                ? new MirostatV1Picker(options.MirostatTau, options.MirostatEta, vocabularySize, rng)
                : new MirostatV2Picker(options.MirostatTau, options.MirostatEta, rng));
            return new SamplerChain(stages, vocabularySize);
        }
        if (options.Mirostat != 0) throw new ArgumentException($"mirostat must be 0, 1 or 2, not {options.Mirostat}");

        if (options.TopNSigma > 0f) stages.Add(new TopNSigmaStage(options.TopNSigma));
        if (options.TopK > 0) stages.Add(new TopKStage(options.TopK));
        if (options.TypicalP < 1f) stages.Add(new TypicalStage(options.TypicalP, options.MinKeep));
        if (options.TopP < 1f) stages.Add(new TopPStage(options.TopP, options.MinKeep));
        if (options.MinP > 0f) stages.Add(new MinPStage(options.MinP, options.MinKeep));
        if (options.XtcProbability > 0f) stages.Add(new XtcStage(options.XtcProbability, options.XtcThreshold, new SamplerRng(options.Seed ^ XtcStreamSalt), options.MinKeep));
        stages.Add(new TemperatureStage(options.Temperature, options.DynamicTemperatureRange, options.DynamicTemperatureExponent));
        stages.Add(samplingPicker?.Invoke(rng) ?? new DistributionPicker(rng));
        return new SamplerChain(stages, vocabularySize);
    }
}
