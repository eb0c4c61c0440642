namespace Diffusion.Functional.Sampling;

/// <summary>
/// One step of a reverse chain on a <see cref="RespacedSchedule"/>: from x at original timestep τ_i to x at τ_{i−1}, or,
/// for the last step (i = 1), to the data x_0. The end is explicit — <see cref="PreviousTimestep"/> is null — and is
/// never computed by arithmetic on a stride, the bug class of diffusers issues #9261 and #12633.
/// </summary>
/// <param name="Index">i, the step's 1-based index in the respaced chain, 1..N.</param>
/// <param name="Timestep">τ_i, the original schedule's timestep the step starts from (what the denoiser is told), 1..T.</param>
/// <param name="PreviousTimestep">τ_{i−1}, the original timestep it moves to; null for i = 1: there is no previous step, the step produces x_0.</param>
public sealed record ReverseStep(int Index, int Timestep, int? PreviousTimestep)
{
    /// <summary>True for the last step of the chain (i = 1), whose output is the data x_0 (ᾱ = 1, no noise).</summary>
    public bool ProducesData => PreviousTimestep is null;

    /// <summary>The step the chain's state has after this step: τ_{i−1}, or 0 for the data.</summary>
    public int Destination => PreviousTimestep ?? 0;
}
