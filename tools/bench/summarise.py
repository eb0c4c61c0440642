"""Summarises the rounds of tools/bench/compare.sh: medians over rounds, and ratios taken within each round."""
import json
import os
import statistics
import sys

out, rounds = sys.argv[1], int(sys.argv[2])
median = statistics.median
per_round = []
for r in range(1, rounds + 1):
    runs = {}
    for name in ("default", "avx2", "scalar"):
        run = json.load(open(f"{out}/{r}-{name}.json"))["runs"][0]
        runs[run["noise_path"]] = run["kernels"]
    per_round.append((runs, json.load(open(f"{out}/{r}-torch.json"))))

paths = list(per_round[0][0])
summary = {"rounds": rounds, "load_average_at_end": os.getloadavg(), "paths": {}, "pytorch": {}, "ratios": {}}


def both(value):
    """The median over rounds of value(round) on the wall clock and per CPU second."""
    return {clock: round(median(value(rr, key) for rr in per_round), 3)
            for clock, key in (("wall", "median"), ("cpu", "median_per_cpu_s"))}


for path in paths:
    summary["paths"][path] = {k: both(lambda rr, key, p=path, k=k: rr[0][p][k][key]) for k in per_round[0][0][path]}
for k in ("forward", "chain", "noise"):
    summary["pytorch"][k] = both(lambda rr, key, k=k: rr[1][k][key])
    for path in paths:
        summary["ratios"][f"{path} / PyTorch, {k}"] = both(lambda rr, key, p=path, k=k: rr[0][p][k][key] / rr[1][k][key])
if "Vector512" in paths and "Vector256" in paths:
    for k in per_round[0][0]["Vector512"]:
        summary["ratios"][f"Vector256 / Vector512, {k}"] = both(
            lambda rr, key, k=k: rr[0]["Vector256"][k][key] / rr[0]["Vector512"][k][key])
for path in paths:
    summary["ratios"][f"{path}: B / D (chain / sampler, per pixel-step)"] = both(
        lambda rr, key, p=path: rr[0][p]["chain"][key] / rr[0][p]["sampler"][key])
print(json.dumps(summary, indent=2))
