"""PyTorch reference of one GeoGuide objective step (docs/objective.md), for
bench/objective_step.ts: forward + backward of L = L_sp + L_mask + L_sim (defaults:
reliability on, tau 10, beta 0.5, lambdas 1), float32, everything derived from the raw
scene inside the timed step (superpoint / instance means, the IMR candidate draw, the IIRC
superpoint sample), on the same synthetic scene layout as the TypeScript benchmark.

Usage: python3 bench/objective_step_torch.py [--n 100000] [--dg 48] [--c 100] [--runs 5]
Prints one JSON object on stdout ({"stepMs": median, ...}); progress on stderr.
"""

import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as fn


def scene(n, dg, c, superpoints=3000, instances=40, seed=7):
    """Synthetic scene laid out as benchScene in objective_step.ts."""
    rng = np.random.default_rng(seed)
    g = torch.from_numpy(rng.standard_normal((n, dg), dtype=np.float32))
    t = torch.from_numpy(rng.standard_normal((n, c), dtype=np.float32))
    i = np.arange(n)
    sp_size = max(1, round(n / superpoints))
    inst_size = max(1, n // instances)
    sp = torch.from_numpy(i // sp_size)
    inst = np.where(i % inst_size < inst_size / 4, -1, i // inst_size)
    valid = torch.from_numpy(rng.random(n) < 0.9)
    visible = torch.from_numpy(rng.random(n) < 0.5)
    return g, t, valid, sp, torch.from_numpy(inst), visible


def params(dg, c, h=256, hr=64, seed=8):
    gen = torch.Generator().manual_seed(seed)

    def m(rows, cols):
        return (torch.randn(rows, cols, generator=gen) / rows**0.5).requires_grad_()

    def b(k):
        return (0.1 * torch.randn(k, generator=gen)).requires_grad_()

    return [m(dg, h), b(h), m(h, c), b(c), m(dg + c, hr), b(hr), m(hr, 1), b(1)]


def cos(a, b):
    return (a * b).sum(-1) / (a.norm(dim=-1).clamp_min(1e-8) * b.norm(dim=-1).clamp_min(1e-8))


def relation(x):
    return x @ x.T


def objective(g, t, valid, sp, inst, visible, p, tau=10.0, beta=0.5, cand_n=8192, sim_n=1024):
    w1, b1, w2, b2, u1, c1, u2, c2 = p
    n = g.shape[0]
    f = torch.relu(g @ w1 + b1) @ w2 + b2
    # USD
    s = int(sp.max()) + 1
    cnt = torch.bincount(sp, minlength=s).clamp_min(1).to(g.dtype)[:, None]
    sg = torch.zeros(s, g.shape[1]).index_add_(0, sp, g) / cnt
    vi = valid.nonzero().squeeze(1)
    spv = sp[vi]
    tv = t[vi]
    cntv = torch.bincount(spv, minlength=s)
    st = torch.zeros(s, t.shape[1]).index_add_(0, spv, tv) / cntv.clamp_min(1)[:, None]
    z = torch.cat([sg[spv] - g[vi], st[spv] - tv], 1)
    r = torch.sigmoid(torch.relu(z @ u1 + c1) @ u2 + c2)
    num = torch.zeros(s, t.shape[1]).index_add_(0, spv, r * tv)
    den = torch.zeros(s).index_add_(0, spv, r[:, 0])
    target = num / (den[:, None] + 1e-6)
    sf = torch.zeros(s, f.shape[1]).index_add_(0, sp, f) / cnt
    has = cntv > 0
    loss_sp = (1 - cos(sf[has], target[has])).mean() + (1 - cos(f[vi], target[spv])).mean()
    # IMR
    k = int(inst.max()) + 1
    cand = torch.randperm(n)[:cand_n]
    m = (inst >= 0) & visible
    mc = torch.bincount(inst[m], minlength=k)
    mbar = torch.zeros(k, f.shape[1]).index_add_(0, inst[m], f[m]) / mc.clamp_min(1)[:, None]
    incl = (mc > 0).nonzero().squeeze(1)
    logits = tau * (fn.normalize(mbar[incl], eps=1e-8) @ fn.normalize(f[cand], eps=1e-8).T - beta)
    y = (inst[cand][None, :] == incl[:, None]).to(f.dtype)
    bce = fn.softplus(logits) - y * logits
    npos = y.sum(1)
    nneg = y.shape[1] - npos
    pos = (bce * y).sum(1) / npos.clamp_min(1)
    neg = (bce * (1 - y)).sum(1) / nneg.clamp_min(1)
    halves = (npos > 0).to(f.dtype) + (nneg > 0).to(f.dtype)
    loss_mask = ((pos * (npos > 0) + neg * (nneg > 0)) / halves).mean()
    # IIRC
    im = inst >= 0
    ic = torch.bincount(inst[im], minlength=k).clamp_min(1)[:, None]
    ig = fn.normalize(torch.zeros(k, g.shape[1]).index_add_(0, inst[im], g[im]) / ic, eps=1e-8)
    is_ = fn.normalize(torch.zeros(k, f.shape[1]).index_add_(0, inst[im], f[im]) / ic, eps=1e-8)
    sps = torch.randperm(s)[:sim_n]
    loss_sim = ((relation(ig) - relation(is_)) ** 2).mean() + (
        (relation(fn.normalize(sg[sps], eps=1e-8)) - relation(fn.normalize(sf[sps], eps=1e-8)))
        ** 2
    ).mean()
    return loss_sp + loss_mask + loss_sim


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--dg", type=int, default=48)
    ap.add_argument("--c", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    data = scene(a.n, a.dg, a.c)
    p = params(a.dg, a.c)
    times = []
    for run in range(-1, a.runs):
        t0 = time.perf_counter()
        loss = objective(*data, p)
        loss.backward()
        ms = (time.perf_counter() - t0) * 1000
        for x in p:
            x.grad = None
        if run >= 0:
            times.append(ms)
        print(
            f"torch objective Dg {a.dg} C {a.c}: run {run + 1}/{a.runs} {ms:.0f} ms "
            f"(loss {loss.item():.4f})",
            file=sys.stderr,
        )
    times.sort()
    print(json.dumps({"stepMs": times[len(times) // 2], "torch": torch.__version__}))


if __name__ == "__main__":
    main()
