"""PyTorch's in-place idioms on the workload of `diffusion bench` (docs/performance.md), one thread.

A: forward noising of 256 images of 28x28 with a random t each: eps.normal_(), then x_t = a_t*x_0 + s_t*eps
   (torch.mul into a preallocated output, then addcmul_). B: the oracle chain t = 100 -> 50 (50 steps, each drawing
   noise): state = c_x0*x_0 + c_xt*state + sigma*eps with mul_/add_. C: normal_() on 200,704 floats.
Each kernel: a warm-up of 3 short rounds, then ROUNDS rounds; prints one JSON object with the median rate per
wall-clock second and per CPU second of this process (time.process_time), so that a run on a shared core can still be
compared. Run pinned: taskset -c 0 /usr/bin/python3 tools/bench/pytorch_reference.py [seconds-per-kernel]
"""
import json
import statistics
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(20200619)
IMAGES, PIXELS, T = 256, 784, 1000
CHAIN_START, CHAIN_STOP = 100, 50
ROUNDS = 7
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0

betas = torch.linspace(1e-4, 0.02, T, dtype=torch.float64)
alphas = 1 - betas
alpha_bar = torch.cumprod(alphas, 0)
alpha_bar_prev = torch.cat([torch.ones(1, dtype=torch.float64), alpha_bar[:-1]])
x0 = torch.rand(IMAGES, PIXELS) * 2 - 1
t = torch.randint(1, T + 1, (IMAGES,))
a = alpha_bar[t - 1].sqrt().float().unsqueeze(1)
s = (1 - alpha_bar[t - 1]).sqrt().float().unsqueeze(1)
eps = torch.empty(IMAGES, PIXELS)
out = torch.empty(IMAGES, PIXELS)
state = torch.empty(IMAGES, PIXELS)
xt = a * x0 + s * torch.randn(IMAGES, PIXELS)
coefficients = []
for step in range(CHAIN_START, CHAIN_STOP, -1):
    i = step - 1
    cx0 = float(alpha_bar_prev[i].sqrt() * betas[i] / (1 - alpha_bar[i]))
    cxt = float(alphas[i].sqrt() * (1 - alpha_bar_prev[i]) / (1 - alpha_bar[i]))
    sigma = float((betas[i] * (1 - alpha_bar_prev[i]) / (1 - alpha_bar[i])).sqrt())
    coefficients.append((cx0, cxt, sigma))


def forward():
    eps.normal_()
    torch.mul(a, x0, out=out)
    out.addcmul_(s, eps)


def chain():
    state.copy_(xt)
    for cx0, cxt, sigma in coefficients:
        eps.normal_()
        state.mul_(cxt).add_(x0, alpha=cx0).add_(eps, alpha=sigma)


def noise():
    eps.normal_()


def measure(units, call):
    def one_round(seconds):
        calls, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
        while True:
            call()
            calls += 1
            wall = time.perf_counter() - wall0
            if wall >= seconds:
                break
        cpu = time.process_time() - cpu0
        return calls * units / wall, calls * units / cpu if cpu > 0 else 0.0

    for _ in range(3):
        one_round(SECONDS / ROUNDS / 2)
    rounds = [one_round(SECONDS / ROUNDS) for _ in range(ROUNDS)]
    walls = sorted(r[0] for r in rounds)
    return {"median": statistics.median(walls), "min": walls[0], "max": walls[-1],
            "median_per_cpu_s": statistics.median(r[1] for r in rounds)}


result = {
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "forward": measure(IMAGES, forward),
    "chain": measure(IMAGES * PIXELS * (CHAIN_START - CHAIN_STOP), chain),
    "noise": measure(IMAGES * PIXELS, noise),
}
print(json.dumps(result, indent=2))
