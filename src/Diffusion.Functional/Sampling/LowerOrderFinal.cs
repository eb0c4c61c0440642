namespace Diffusion.Functional.Sampling;

/// <summary>
/// The order a multistep solver of order q uses at a step: it warms up as min(q, steps so far + 1), and with fewer than
/// 15 steps the second-last step (level 2, onto level 1) is at most second order (diffusers' <c>lower_order_final</c>,
/// which keeps few-step runs stable; docs/samplers.md). DEIS and multistep DPM-Solver share it.
/// </summary>
internal static class LowerOrderFinal
{
    /// <summary>The order used at level <paramref name="level"/> of an <paramref name="steps"/>-step chain after <paramref name="done"/> steps.</summary>
    internal static int Order(int order, int done, int level, int steps)
    {
        int used = Math.Min(order, done + 1);
        return level == 2 && steps < 15 ? Math.Min(used, 2) : used;
    }
}
