using Diffusion.Functional.Images;

namespace Diffusion.Functional.Processes;

/// <summary>One state of a reverse chain: the image x_t at timestep t (t = 0 is the data).</summary>
/// <param name="Step">t, from 0 to T.</param>
/// <param name="X">x_t.</param>
public sealed record ChainState(int Step, Image X);
