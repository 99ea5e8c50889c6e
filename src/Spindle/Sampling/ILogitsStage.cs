namespace Spindle.Sampling;

/// <summary>
/// One step of the logits pipeline (llama.cpp's llama_sampler: apply / accept / reset / clone). A stage edits the
/// candidate set in place; a picking stage also sets <see cref="CandidateSet.Selected"/>.
/// </summary>
public interface ILogitsStage
{
    /// <summary>Transforms the candidates for the next token.</summary>
    void Apply(CandidateSet candidates);

    /// <summary>Told of every token appended to the sequence (prompt and generated), for stages with history.</summary>
    void Accept(int token);

    /// <summary>Forgets all history, as for a new sequence.</summary>
    void Reset();

    /// <summary>An independent copy with the same state (speculative decoding runs copies ahead and drops them).</summary>
    ILogitsStage Clone();
}
