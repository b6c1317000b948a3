"""One PyTorch benchmark case in one process, for scripts/bench/run.mjs.

  /usr/bin/python3 scripts/bench/torch_case.py CASE [--threads N] [--steps N]
      [--device cpu|cuda] [--loop dataloader|tensor] [--seed 1]

CASE is vae, dcgan, mlp-gan, load, sample or floor. Prints one JSON line with
the same keys as scripts/bench/gentorch_case.mjs.

The networks are imported from scripts/reference (the definitions gentorch's
checkpoints load into), and the training loops are pytorch/examples' (vae/main.py,
dcgan/main.py): Adam, batch 128, a DataLoader over the training tensor with
shuffle=True, loss.item() per step as the examples accumulate their logs.
--loop tensor instead keeps the data resident and gathers each batch by a
random permutation (what gentorch does), for a second opinion.

Thread settings: --threads calls torch.set_num_threads; OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and OMP_WAIT_POLICY only take effect from the
environment this process starts with (run.mjs sets them).
"""
import argparse
import json
import os
import resource
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from gan import dcgan_pair, gan_step, mlp_pair, weights_init  # noqa: E402
from vae_mlp import VAE, images, loss_function  # noqa: E402

BATCH = 128


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def batches(x, args):
    """Yields training batches (on the CPU) in the chosen loop style."""
    if args.loop == "tensor":
        perm = torch.randperm(len(x))
        for i in range(0, len(x), BATCH):
            yield x.index_select(0, perm[i : i + BATCH])
    else:
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x), batch_size=BATCH, shuffle=True)
        for (b,) in loader:
            yield b


def timed_epoch(x, step, args, device):
    """Runs one epoch (or --steps steps) of `step(batch)`; returns the timing record."""
    steps_per_epoch = (len(x) + BATCH - 1) // BATCH
    if args.loop == "tensor":
        x = x.to(device)  # resident; the DataLoader loop copies each batch instead, as the examples do
    n = 0
    loss = 0.0
    sync(device)
    t0 = time.perf_counter()
    for b in batches(x, args):
        loss = step(b.to(device, non_blocking=True))
        n += 1
        if args.steps and n >= args.steps:
            break
    sync(device)
    seconds = time.perf_counter() - t0
    measured = "epoch" if n == steps_per_epoch else "steps"
    epoch_seconds = seconds if measured == "epoch" else seconds / n * steps_per_epoch
    return {"epochSeconds": epoch_seconds, "measured": measured, "steps": n, "stepsPerEpoch": steps_per_epoch,
            "loopSeconds": seconds, "lastLoss": loss}


def case_vae(args, device):
    torch.manual_seed(args.seed)
    t0 = time.perf_counter()
    x = images("train")
    load_seconds = time.perf_counter() - t0
    model = VAE().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()

    def step(b):
        opt.zero_grad()
        recon, mu, logvar = model(b)
        loss = loss_function(recon, b, mu, logvar)
        loss.backward()
        opt.step()
        return loss.item() / len(b)  # pytorch/examples: train_loss += loss.item()

    rec = timed_epoch(x, step, args, device)
    return {**rec, "loadSeconds": load_seconds}


def case_gan(args, device, arch):
    torch.manual_seed(args.seed)
    x = images("train")
    x = (x * 2 - 1).unsqueeze(1) if arch == "dcgan" else x.view(-1, 784)
    g, d = dcgan_pair() if arch == "dcgan" else mlp_pair()
    if arch == "dcgan":
        g.apply(weights_init), d.apply(weights_init)
    g, d = g.to(device), d.to(device)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()

    def step(real):
        loss_d, loss_g = gan_step(g, d, opt_g, opt_d, bce, real)
        return loss_d.item() + loss_g.item()  # the example's per-step errD.item(), errG.item()

    return timed_epoch(x, step, args, device)


def case_load(args, device):
    t0 = time.perf_counter()
    x = images("train").view(-1, 1, 28, 28)  # gzip, IDX parse, uint8 -> float32 in [0, 1]
    if device.type == "cuda":
        x = x.to(device)
        sync(device)
    seconds = time.perf_counter() - t0
    return {"loadSeconds": seconds, "toTensorSeconds": 0.0, "totalSeconds": seconds, "shape": list(x.shape)}


def timed_twice(fn, device):
    out = []
    for _ in range(2):
        sync(device)
        t0 = time.perf_counter()
        fn()
        sync(device)
        out.append(time.perf_counter() - t0)
    return out


def case_sample(args, device, n=10000):
    torch.manual_seed(args.seed)
    vae = VAE().to(device).eval()
    g, _ = mlp_pair()
    g = g.to(device).eval()

    def vae_sample():
        with torch.no_grad():
            return vae.decode(torch.randn(n, 20, device=device)).view(n, 1, 28, 28).cpu().numpy()

    def gan_sample():
        with torch.no_grad():
            return g(torch.randn(n, 100, device=device)).view(n, 1, 28, 28).cpu().numpy()

    v, gs = timed_twice(vae_sample, device), timed_twice(gan_sample, device)
    return {"n": n, "vaeSampleSeconds": v[0], "vaeSampleWarmSeconds": v[1], "ganSampleSeconds": gs[0], "ganSampleWarmSeconds": gs[1]}


def case_floor(args, device, size=2048, reps=5):
    """sgemm throughput on large square matrices, GFLOP/s: the physical floor's rate."""
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(reps):
        sync(device)
        t0 = time.perf_counter()
        torch.mm(a, b)
        sync(device)
        best = min(best, time.perf_counter() - t0)
    return {"sgemmGflops": 2 * size**3 / best / 1e9, "size": size, "torchVersion": torch.__version__,
            "parallelInfo": torch.__config__.parallel_info()}


CASES = {
    "vae": case_vae,
    "dcgan": lambda a, d: case_gan(a, d, "dcgan"),
    "mlp-gan": lambda a, d: case_gan(a, d, "mlp"),
    "load": case_load,
    "sample": case_sample,
    "floor": case_floor,
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=sorted(CASES))
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--steps", type=int, default=0, help="time this many steps and extrapolate to an epoch (0: a full epoch)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--loop", choices=["dataloader", "tensor"], default="dataloader")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit(f"torch_case.py: this PyTorch ({torch.__version__}) has no CUDA device; use a CUDA build (--python)")
    out = CASES[args.case](args, device)
    out.update({"case": args.case, "impl": "pytorch", "threads": torch.get_num_threads(), "loop": args.loop,
                "device": str(device), "peakRssBytes": peak_rss_bytes()})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
