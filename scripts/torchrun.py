"""torchrun for a PyTorch built without libuv (Debian 13's torch 2.6).

From torch 2.4 every TCPStore that torchrun's rendezvous makes asks for the
libuv server, and neither USE_LIBUV=0 nor a torchrun flag reaches the static
rendezvous, so on such a build torchrun always fails with "use_libuv was
requested but PyTorch was build without libuv support". This runs torchrun
with TCPStore asking for libuv only where the build has it; elsewhere it is
torchrun itself, unchanged. Usage: python3 scripts/torchrun.py ARGS (torchrun's).
"""
import sys

import torch.distributed as dist
from torch.distributed.run import main

_TCPStore = dist.TCPStore


def _has_libuv():
    try:
        _TCPStore("127.0.0.1", 0, 1, True, use_libuv=True)
        return True
    except TypeError:  # torch < 2.2: no libuv option at all
        return True
    except RuntimeError:
        return False


if not _has_libuv():

    class TCPStore(_TCPStore):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("use_libuv", False)
            super().__init__(*args, **kwargs)

    dist.TCPStore = TCPStore
    for name in ("static_tcp_rendezvous", "c10d_rendezvous_backend"):
        module = sys.modules.get(f"torch.distributed.elastic.rendezvous.{name}")
        if module is not None and hasattr(module, "TCPStore"):
            module.TCPStore = TCPStore

if __name__ == "__main__":
    sys.exit(main())
