"""Reference PyTorch definitions of gentorch's GANs: the article's MLP GAN and
the DCGAN for 28x28 (the InfoGAN paper's MNIST layout).
Module paths equal gentorch's checkpoint keys, so its weights load as is:

  /usr/bin/python3 scripts/reference/gan.py load DIR/model.safetensors
      loads generator.* and discriminator.* strictly into these modules and
      prints one JSON line with D's mean output on 64 of G's samples
  /usr/bin/python3 scripts/reference/gan.py train --arch dcgan --epochs 1 --out s.npy
      trains the same networks as pytorch/examples does (Adam 2e-4, betas
      0.5/0.999, batch 128, BCE) on Fashion-MNIST and writes 10,000 samples
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from vae_mlp import images, read_safetensors  # noqa: E402


def mlp_pair(latent=100, hidden=128, pixels=784):
    g = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, pixels), nn.Sigmoid())
    d = nn.Sequential(nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, 1))
    return g, d


class View(nn.Module):
    """Reshapes [B, n] to [B, *shape]; no parameters (gentorch's nn::Unflatten)."""

    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.view(x.size(0), *self.shape)


def dcgan_pair(latent=100, features=64, channels=1):
    """The 28x28 DCGAN of the InfoGAN paper's MNIST experiments, with G's
    transposed convolutions replaced by nearest 2x upsampling + 3x3 convolution
    (as gentorch's, native/models/gan.cc)."""
    f = features
    g = nn.Sequential(
        nn.Linear(latent, 16 * f), nn.BatchNorm1d(16 * f), nn.ReLU(True),
        nn.Linear(16 * f, 2 * f * 7 * 7), nn.BatchNorm1d(2 * f * 7 * 7), nn.ReLU(True), View(2 * f, 7, 7),
        nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(2 * f, f, 3, 1, 1), nn.BatchNorm2d(f), nn.ReLU(True),
        nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(f, max(1, f // 2), 3, 1, 1), nn.BatchNorm2d(max(1, f // 2)),
        nn.ReLU(True), nn.Conv2d(max(1, f // 2), channels, 3, 1, 1), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(channels, f, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(f, 2 * f, 4, 2, 1), nn.BatchNorm2d(2 * f), nn.LeakyReLU(0.2, inplace=True), nn.Flatten(),
        nn.Linear(2 * f * 7 * 7, 16 * f), nn.BatchNorm1d(16 * f), nn.LeakyReLU(0.2, inplace=True),
        nn.Linear(16 * f, 1))
    return g, d


class Wrap(nn.Module):
    """Holds a Sequential as `main`, as gentorch's Generator and Discriminator do."""

    def __init__(self, main):
        super().__init__()
        self.main = main


def gan_step(g, d, opt_g, opt_d, bce, real, latent=100):
    """One step of pytorch/examples' dcgan loop: D on real and on detached
    fake, then G on the same fake (non-saturating). Returns both losses."""
    z = torch.randn(real.size(0), latent, device=real.device)
    fake = g(z)
    out_r, out_f = d(real).view(-1), d(fake.detach()).view(-1)
    loss_d = bce(out_r, torch.ones_like(out_r)) + bce(out_f, torch.zeros_like(out_f))
    opt_d.zero_grad(), loss_d.backward(), opt_d.step()
    out = d(fake).view(-1)
    loss_g = bce(out, torch.ones_like(out))
    opt_g.zero_grad(), loss_g.backward(), opt_g.step()
    return loss_d, loss_g


def weights_init(m):
    name = m.__class__.__name__
    if "Conv" in name or "Linear" in name:
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif "BatchNorm" in name:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def load(args):
    tensors, meta = read_safetensors(args.checkpoint)
    config = json.loads(meta["config"])
    if config["arch"] == "dcgan":
        g, d = dcgan_pair(config["latentDim"], config["features"], config["channels"])
    else:
        g, d = mlp_pair(config["latentDim"], config["gHidden"], config["channels"] * config["height"] * config["width"])
    G, D = Wrap(g), Wrap(d)
    for prefix, module in (("generator.", G), ("discriminator.", D)):
        module.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})  # strict
    G.eval(), D.eval()
    with torch.no_grad():
        z = torch.randn(64, config["latentDim"])
        x = G.main(z)
        out = torch.sigmoid(D.main(x)).mean().item()
    print(json.dumps({"arch": config["arch"], "d_of_g": out, "sample_min": x.min().item(), "sample_max": x.max().item()}))


def train(args):
    torch.manual_seed(args.seed)
    g, d = dcgan_pair() if args.arch == "dcgan" else mlp_pair()
    if args.arch == "dcgan":
        g.apply(weights_init), d.apply(weights_init)
    x = images("train")
    x = (x * 2 - 1).unsqueeze(1) if args.arch == "dcgan" else x.view(-1, 784)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x), batch_size=128, shuffle=True)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    seconds = []
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        for (real,) in loader:
            gan_step(g, d, opt_g, opt_d, bce, real)
        seconds.append(time.perf_counter() - t0)
    g.eval()
    with torch.no_grad():
        z = torch.randn(10000, 100)
        s = g(z).view(-1, 1, 28, 28)
        s = (s + 1) / 2 if args.arch == "dcgan" else s
    np.save(args.out, s.numpy().astype(np.float32))
    print(json.dumps({"epoch_seconds": seconds, "out": args.out}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    l = sub.add_parser("load")
    l.add_argument("checkpoint")
    t = sub.add_parser("train")
    t.add_argument("--arch", choices=["mlp", "dcgan"], default="dcgan")
    t.add_argument("--epochs", type=int, default=1)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--out", required=True)
    args = p.parse_args()
    load(args) if args.cmd == "load" else train(args)


if __name__ == "__main__":
    main()
