// Data-parallel training on PyTorch's own distributed engine, c10d: a
// TCPStore rendezvous and a Gloo process group (CPU tensors), joined the way
// torchrun sets processes up (rank, world size, master address and port).
// The trainers call it at three places only: at the start of a fit (rank 0's
// state to every rank), at the gradient seam after backward (bucketed
// all-reduce), and at reporting points (loss sums). No N-API here.
//
// Built where libtorch has c10d and gloo's headers are installed
// (GENTORCH_WITH_GLOO: Debian's libtorch-dev + libgloo-dev); elsewhere
// connect() is E_DISTRIBUTED naming what is missing. NCCL (CUDA tensors) is
// not wired yet: CUDA tensors are staged through the CPU.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gentorch {

/// Where this process stands in the job; mirrored by DistributedOptions in lib/models/distributed.ts.
struct DistOptions {
  int64_t rank = 0;
  int64_t world_size = 1;
  std::string master_addr = "127.0.0.1";
  int64_t master_port = 29500;
  /// Seconds to wait for the rendezvous and for each collective before E_DISTRIBUTED.
  double timeout_seconds = 300;
  /// The store at master_addr:master_port is already served (torchrun's agent
  /// serves it and says so with TORCHELASTIC_USE_AGENT_STORE=True): every
  /// rank joins it as a client, rank 0 included.
  bool agent_store = false;
};

/// How the rendezvous store talks: libuv or plain sockets, and why.
struct StoreTransport {
  bool libuv = false;
  std::string reason;
};

class DataParallel {
 public:
  // Joins the job (blocks until every rank has joined, up to the timeout).
  // E_DISTRIBUTED on any failure, naming the address and what went wrong.
  static std::shared_ptr<DataParallel> connect(const DistOptions& options);
  // The process's connection for `options`: joined on first use, then kept
  // for later fits (a job is joined once per process, as
  // torch.distributed.init_process_group). Other options replace it.
  static std::shared_ptr<DataParallel> shared(const DistOptions& options);
  // Forgets the kept connection (after E_DISTRIBUTED: a peer is gone, the
  // group is broken; the next fit joins afresh).
  static void drop_shared();
  // Whether this build has a c10d backend at all.
  static bool available();
  // The TCPStore transport a job joined now would use (libtorch's libuv
  // backend where the build has it and USE_LIBUV is not "0", else sockets).
  static StoreTransport store_transport();

  virtual ~DataParallel() = default;
  int64_t rank() const { return options_.rank; }
  int64_t world_size() const { return options_.world_size; }
  const DistOptions& options() const { return options_; }

  // Overwrites each tensor with rank 0's values (weights, buffers, optimizer
  // moments, random states, training counters), in place.
  virtual void broadcast(std::vector<torch::Tensor> tensors) = 0;
  // Sums each tensor over the ranks in place.
  virtual void all_reduce_sum(std::vector<torch::Tensor> tensors) = 0;
  // The gradient seam: every defined gradient of `params` summed over the
  // ranks (then scaled by `scale`), in flat buckets of about 25 MB as DDP's
  // reducer does, so each step makes a few large collectives, not one per layer.
  void reduce_gradients(const std::vector<torch::Tensor>& params, double scale);

 protected:
  explicit DataParallel(DistOptions options) : options_(std::move(options)) {}
  DistOptions options_;
};

// The indices of `perm` that `rank` of `world` trains on, as
// torch.utils.data.DistributedSampler(drop_last=False) deals them: padded
// with its own head to a multiple of world, then every world-th from rank.
torch::Tensor shard_of(const torch::Tensor& perm, int64_t rank, int64_t world);

}  // namespace gentorch
