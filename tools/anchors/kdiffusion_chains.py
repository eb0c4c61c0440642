"""k-diffusion's own samplers, in float64, on the Gaussian problem of KDiffusionAnchorTests (issue 11).

Usage: /usr/bin/python3 tools/anchors/kdiffusion_chains.py K_DIFFUSION_CHECKOUT > theirs.json
       /usr/bin/python3 tools/anchors/kdiffusion_chains.py --compare OURS.json THEIRS.json

K_DIFFUSION_CHECKOUT is a directory holding k_diffusion/sampling.py (crowsonkb/k-diffusion; read at 4601bf0). Only that
file is loaded, as the module k_diffusion.sampling; what it imports and this machine lacks is replaced by stand-ins
that the samplers below never reach (torchsde, torchdiffeq, tqdm) or that give the same numbers:
  - k_diffusion.utils.append_dims: x[(...,) + (None,) * (n - x.ndim)], its one use here;
  - scipy.integrate.quad (sample_lms's linear_multistep_coeff): 10-point Gauss-Legendre, exact for the cubic Lagrange
    basis it integrates, as QUADPACK's first 21-point Gauss-Kronrod pass is (so its epsrel = 1e-4 never binds).
Noise: every noise_sampler is replaced by z_j = sin(tau + 3j), tau the training timestep of the step's sigma (721, 601,
..., 1), and sample_heun's torch.randn_like by the same z of the step: the noise our chain is given.

The problem (SigmaSamplerOrderTests.Data / KDiffusionAnchorTests.Record): values j = 0..3 of N(mu_j, v_j) with
mu = (0.3, -0.5, 1, 0), v = (0.25, 1, 2.5, 0.04), exact denoiser D(x; sigma) = mu + v/(v + sigma^2)(x - mu); the 7-step
chain of get_sigmas_karras(721, 0.002, 80) at every 120th level, then 0; x_T = (12, -7, 40, -15) at sigma = 80, i.e.
x~ = x_T*sqrt(1 + 80^2). Prints one JSON object: for each configuration the states x~ before every step (as the
callback sees them; after the churn for heun) and the chain's output.

--compare reads a JSON object of ours in the same shape ({name: {"states": [[x~ before step k]], "output": [x_0]}}, the
names as printed here; our states are the observer's x_t/sqrt(alpha_bar), before any churn) and prints, per name, the
largest relative difference of the states (not for heun with churn, whose callback sees x after the churn) and of the
output. Ours came from a scratch run of KDiffusionAnchorTests.Record per sampler; the numbers are in docs/comparison.md.
"""
import importlib.util
import json
import math
import sys
import types

import numpy as np
import torch

torch.set_default_dtype(torch.float64)


def stub_modules():
    """Stand-ins for the imports k_diffusion/sampling.py makes that this machine lacks (see the module docstring)."""
    package = types.ModuleType("k_diffusion")
    package.__path__ = []
    utils = types.ModuleType("k_diffusion.utils")
    utils.append_dims = lambda x, n: x[(...,) + (None,) * (n - x.ndim)]
    package.utils = utils
    sys.modules["k_diffusion"] = package
    sys.modules["k_diffusion.utils"] = utils

    scipy = types.ModuleType("scipy")
    integrate = types.ModuleType("scipy.integrate")
    nodes, weights = np.polynomial.legendre.leggauss(10)

    def quad(f, a, b, epsrel=None):
        half, mid = (b - a) / 2, (a + b) / 2
        return float(half * sum(w * f(mid + half * u) for u, w in zip(nodes, weights))), 0.0

    integrate.quad = quad
    scipy.integrate = integrate
    sys.modules["scipy"] = scipy
    sys.modules["scipy.integrate"] = integrate

    torchsde = types.ModuleType("torchsde")
    torchsde.BrownianTree = None  # only the default noise sampler of the SDE samplers uses it; we pass ours
    sys.modules["torchsde"] = torchsde
    torchdiffeq = types.ModuleType("torchdiffeq")
    torchdiffeq.odeint = None  # log_likelihood only
    sys.modules["torchdiffeq"] = torchdiffeq

    class Bar:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

        def update(self, *args):
            pass

    auto = types.ModuleType("tqdm.auto")
    auto.trange = lambda n, disable=None: range(n)
    auto.tqdm = Bar
    sys.modules["tqdm"] = types.ModuleType("tqdm")
    sys.modules["tqdm.auto"] = auto


def load_sampling(checkout):
    stub_modules()
    spec = importlib.util.spec_from_file_location("k_diffusion.sampling", f"{checkout}/k_diffusion/sampling.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["k_diffusion.sampling"] = module
    spec.loader.exec_module(module)
    return module


MU = torch.tensor([0.3, -0.5, 1.0, 0.0]).view(1, 1, 2, 2)
V = torch.tensor([0.25, 1.0, 2.5, 0.04]).view(1, 1, 2, 2)


def model(x, sigma, **kwargs):
    s2 = sigma.view(-1, 1, 1, 1) ** 2
    return MU + V / (V + s2) * (x - MU)


def main():
    k = load_sampling(sys.argv[1])
    full = k.get_sigmas_karras(721, 0.002, 80.0)
    sigmas = torch.cat([full[0:721:120], full.new_zeros([1])])
    timesteps = {float(s): 721 - 120 * i for i, s in enumerate(sigmas[:-1])}
    start = torch.tensor([12.0, -7.0, 40.0, -15.0]).view(1, 1, 2, 2) * math.sqrt(1 + 80.0 ** 2)

    def z(tau):
        return torch.tensor([math.sin(tau + 3 * j) for j in range(4)]).view(1, 1, 2, 2)

    def noise_sampler(sigma, sigma_next):
        return z(timesteps[float(sigma)])

    def run(sampler, **kwargs):
        states = []
        out = sampler(model, start.clone(), sigmas, callback=lambda info: states.append(info["x"].flatten().tolist()), disable=True, **kwargs)
        return {"states": states, "output": out.flatten().tolist()}

    results = {}
    results["euler"] = run(k.sample_euler)
    for eta in (1.0, 0.5):
        results[f"euler_ancestral eta={eta}"] = run(k.sample_euler_ancestral, eta=eta, noise_sampler=noise_sampler)
        results[f"dpm_2_ancestral eta={eta}"] = run(k.sample_dpm_2_ancestral, eta=eta, noise_sampler=noise_sampler)
    for eta in (1.0, 0.5, 0.0):
        results[f"dpmpp_2s_ancestral eta={eta}"] = run(k.sample_dpmpp_2s_ancestral, eta=eta, noise_sampler=noise_sampler)
    results["dpm_2"] = run(k.sample_dpm_2)
    results["lms"] = run(k.sample_lms)
    results["dpmpp_2m"] = run(k.sample_dpmpp_2m)
    for solver in ("midpoint", "heun"):
        results[f"dpmpp_2m_sde {solver}"] = run(k.sample_dpmpp_2m_sde, solver_type=solver, noise_sampler=noise_sampler)
    for eta in (1.0, 0.0):
        results[f"dpmpp_3m_sde eta={eta}"] = run(k.sample_dpmpp_3m_sde, eta=eta, noise_sampler=noise_sampler)

    # sample_heun draws its churn noise with torch.randn_like, once per step: the step's z instead.
    real_torch = k.torch
    for churn, tmin, tmax, snoise in ((0.0, 0.0, float("inf"), 1.0), (2.0, 0.01, 20.0, 1.003), (1.0, 0.0, float("inf"), 1.0)):
        step = iter(range(len(sigmas) - 1))
        k.torch = types.SimpleNamespace(**{name: getattr(real_torch, name) for name in dir(real_torch) if not name.startswith("__")})
        k.torch.randn_like = lambda x: z(721 - 120 * next(step))
        try:
            results[f"heun churn={churn} tmin={tmin} tmax={tmax} noise={snoise}"] = run(k.sample_heun, s_churn=churn, s_tmin=tmin, s_tmax=tmax, s_noise=snoise)
        finally:
            k.torch = real_torch

    # DPMSolver's steps (noise prediction, t = -log sigma) along the chain; it has no step onto sigma = 0, so the chain
    # ends at sigma_1 and then takes the denoising step D, as ours does.
    solver = k.DPMSolver(model)
    for order in (1, 2, 3):
        x, states = start.clone(), []
        for i in range(len(sigmas) - 2):
            states.append(x.flatten().tolist())
            t, t_next = solver.t(sigmas[i]), solver.t(sigmas[i + 1])
            x, _ = getattr(solver, f"dpm_solver_{order}_step")(x, t, t_next)
        states.append(x.flatten().tolist())
        x = model(x, sigmas[-2].view(1))
        results[f"DPMSolver order {order}"] = {"states": states, "output": x.flatten().tolist()}

    json.dump(results, sys.stdout, indent=1)
    print()


def compare(ours_path, theirs_path):
    with open(ours_path) as f:
        ours = json.load(f)
    with open(theirs_path) as f:
        theirs = json.load(f)

    def relative(a, b):
        return max(abs(x - y) / max(abs(y), 1e-300) for x, y in zip(a, b))

    for name, mine in ours.items():
        if name not in theirs:
            print(f"{name:48s} no k-diffusion run")
            continue
        other = theirs[name]
        churned = name.startswith("heun") and not name.startswith("heun churn=0.0")
        states = "-" if churned else f"{max(relative(a, b) for a, b in zip(mine['states'], other['states'])):.2e}"
        print(f"{name:48s} states {states:>9s}  output {relative(mine['output'], other['output']):.2e}")


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        main()
