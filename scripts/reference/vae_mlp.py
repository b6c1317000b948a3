"""The MLP VAE of pytorch/examples (vae/main.py), on Fashion-MNIST, as the
reference gentorch is measured against. Run with Debian's python3-torch:

  /usr/bin/python3 scripts/reference/vae_mlp.py train [--epochs 1] [--seed 1] [--threads N]
      trains as pytorch/examples does (Adam 1e-3, batch 128) and prints the test loss
  /usr/bin/python3 scripts/reference/vae_mlp.py eval DIR/model.safetensors
      loads gentorch's checkpoint into this module and prints the test loss

Both print one JSON line: {"test_loss": nats per image, ...}.
No torchvision and no safetensors package are needed: the IDX and
safetensors readers below are a few lines of numpy.
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

DATA = os.environ.get("GENTORCH_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def images(split):
    name = "train-images-idx3-ubyte.gz" if split == "train" else "t10k-images-idx3-ubyte.gz"
    return torch.from_numpy(read_idx(os.path.join(DATA, name)).astype(np.float32) / 255.0)


def read_safetensors(path):
    dtypes = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        arr = np.frombuffer(blob[base + b : base + e], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


def test_loss(model, test):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(0, len(test), 128):
            x = test[i : i + 128]
            recon, mu, logvar = model(x)
            total += loss_function(recon, x, mu, logvar).item()
    return total / len(test)


def train(args):
    torch.manual_seed(args.seed)
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_x, test_x = images("train"), images("test")
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train_x), batch_size=128, shuffle=True)
    seconds = []
    for _ in range(args.epochs):
        model.train()
        t0 = time.perf_counter()
        for (x,) in loader:
            opt.zero_grad()
            recon, mu, logvar = model(x)
            loss = loss_function(recon, x, mu, logvar)
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t0)
    print(json.dumps({"test_loss": test_loss(model, test_x), "epoch_seconds": seconds, "threads": torch.get_num_threads()}))


def evaluate(args):
    torch.manual_seed(args.seed)
    tensors, meta = read_safetensors(args.checkpoint)
    # gentorch keeps training state beside the weights: optim.* (Adam) and rng.* (random streams)
    weights = {k: v for k, v in tensors.items() if not k.startswith(("optim.", "rng."))}
    model = VAE()
    model.load_state_dict(weights)  # strict: every name and shape must match
    print(json.dumps({"test_loss": test_loss(model, images("test")), "format": meta.get("format")}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--epochs", type=int, default=1)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--threads", type=int, default=0)
    e = sub.add_parser("eval")
    e.add_argument("checkpoint")
    e.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    if getattr(args, "threads", 0):
        torch.set_num_threads(args.threads)
    train(args) if args.cmd == "train" else evaluate(args)


if __name__ == "__main__":
    main()
