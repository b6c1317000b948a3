#include "data_parallel.h"

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>

#include "../core/error.h"

#if GENTORCH_WITH_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace gentorch {

namespace {
constexpr int64_t kBucketBytes = 25 * 1024 * 1024;  // DDP's default bucket_cap_mb

// A c10d failure (a peer gone, a timeout) as the one error users see.
template <typename Fn>
auto guarded(const DistOptions& o, const char* what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    std::string reason = e.what();
    const auto newline = reason.find('\n');
    if (newline != std::string::npos) reason = reason.substr(0, newline);
    // Drop gloo's source location prefix ("[../gloo/transport/tcp/pair.cc:598] ").
    if (!reason.empty() && reason[0] == '[') {
      const auto close = reason.find("] ");
      if (close != std::string::npos) reason = reason.substr(close + 2);
    }
    fail("E_DISTRIBUTED", what, " failed on rank ", o.rank, " of ", o.world_size, " (master ", o.master_addr, ":",
         o.master_port, "): ", reason, " (a peer may have stopped; timeout ", o.timeout_seconds, " s)");
  }
}
}  // namespace

namespace {
std::mutex shared_mutex;
std::shared_ptr<DataParallel> shared_current;
}  // namespace

std::shared_ptr<DataParallel> DataParallel::shared(const DistOptions& o) {
  std::lock_guard<std::mutex> lock(shared_mutex);
  const auto& c = shared_current ? shared_current->options_ : o;
  const bool same = shared_current && c.rank == o.rank && c.world_size == o.world_size &&
                    c.master_addr == o.master_addr && c.master_port == o.master_port;
  if (!same) {
    shared_current.reset();  // leave the old job (closes its sockets) before joining another
    shared_current = connect(o);
  }
  return shared_current;
}

void DataParallel::drop_shared() {
  std::lock_guard<std::mutex> lock(shared_mutex);
  shared_current.reset();
}

torch::Tensor shard_of(const torch::Tensor& perm, int64_t rank, int64_t world) {
  if (world <= 1) return perm;
  const int64_t n = perm.size(0);
  const int64_t per_rank = (n + world - 1) / world;
  auto padded = perm;
  const int64_t pad = per_rank * world - n;
  if (pad > 0) padded = torch::cat({perm, perm.slice(0, 0, pad)});
  return padded.slice(0, rank, per_rank * world, world).contiguous();
}

void DataParallel::reduce_gradients(const std::vector<torch::Tensor>& params, double scale) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : params) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  size_t i = 0;
  while (i < grads.size()) {
    std::vector<torch::Tensor> bucket;
    int64_t bytes = 0;
    while (i < grads.size() && (bucket.empty() || bytes + grads[i].nbytes() <= kBucketBytes)) {
      bytes += grads[i].nbytes();
      bucket.push_back(grads[i++]);
    }
    std::vector<torch::Tensor> flat_parts;
    for (auto& g : bucket) flat_parts.push_back(g.reshape({-1}));
    auto flat = torch::cat(flat_parts);
    all_reduce_sum({flat});
    if (scale != 1.0) flat.mul_(scale);
    int64_t at = 0;
    for (auto& g : bucket) {
      const int64_t k = g.numel();
      g.copy_(flat.slice(0, at, at + k).view(g.sizes()));
      at += k;
    }
  }
}

#if GENTORCH_WITH_GLOO
namespace {
// libtorch >= 2.2 has a second TCPStore server on libuv, asked for by default
// from 2.4, but a build may lack libuv (Debian 13's 2.6 does) and then every
// rendezvous that asks for it fails. Whether the option exists is read from
// the headers (this overload is chosen only where TCPStoreOptions has
// useLibUV); whether the backend is in the library is asked at run time,
// since libtorch does not export its own answer.
template <typename Options>
auto set_use_libuv(Options& o, bool on, int) -> decltype(o.useLibUV = on, bool()) {
  o.useLibUV = on;
  return true;
}
template <typename Options>
bool set_use_libuv(Options&, bool, long) {
  return false;
}

// Starts and stops a libuv store on an ephemeral loopback port, once per
// process: it throws at once where the library has no libuv.
StoreTransport probe_store_transport() {
  c10d::TCPStoreOptions so;
  if (!set_use_libuv(so, true, 0)) return {false, "this libtorch's TCPStore has no libuv backend"};
  if (const char* env = std::getenv("USE_LIBUV"); env != nullptr && std::string(env) == "0")
    return {false, "USE_LIBUV=0"};
  so.port = 0;
  so.isServer = true;
  so.waitWorkers = false;
  so.timeout = std::chrono::milliseconds(10000);
  try {
    c10d::TCPStore probe("127.0.0.1", so);
    return {true, "libuv is in this libtorch"};
  } catch (const std::exception& e) {
    const std::string why = e.what();
    if (why.find("without libuv") != std::string::npos) return {false, "this libtorch was built without libuv"};
    return {false, "the libuv store failed a loopback probe: " + why.substr(0, why.find('\n'))};
  }
}

StoreTransport choose_store_transport() {
  static const StoreTransport chosen = probe_store_transport();  // a function-local static: probed once, thread-safe
  return chosen;
}

// The interface Gloo talks on, chosen as torch.distributed does:
// GLOO_SOCKET_IFNAME names it; a loopback master means loopback; else the
// address this host's own name resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master_addr) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr && *ifname != '\0') {
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  }
  if (master_addr == "localhost" || master_addr.rfind("127.", 0) == 0 || master_addr == "::1") {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

class GlooDataParallel : public DataParallel {
 public:
  explicit GlooDataParallel(DistOptions o) : DataParallel(std::move(o)) {
    const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(options_.timeout_seconds * 1000));
    guarded(options_, "joining the job", [&]() {
      c10d::TCPStoreOptions so;
      so.port = static_cast<uint16_t>(options_.master_port);
      so.isServer = options_.rank == 0 && !options_.agent_store;
      so.numWorkers = static_cast<int>(options_.world_size);
      so.waitWorkers = true;
      so.timeout = timeout;
      set_use_libuv(so, choose_store_transport().libuv, 0);
      // Our keys under a prefix of their own: a torchrun agent's store holds its keys too.
      store_ = c10::make_intrusive<c10d::PrefixStore>("gentorch",
                                                      c10::make_intrusive<c10d::TCPStore>(options_.master_addr, so));
      auto po = c10d::ProcessGroupGloo::Options::create();
      po->timeout = timeout;
      po->devices.push_back(gloo_device(options_.master_addr));
      group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, static_cast<int>(options_.rank),
                                                           static_cast<int>(options_.world_size), po);
      return 0;
    });
  }

  void broadcast(std::vector<torch::Tensor> tensors) override {
    staged(tensors, [&](std::vector<torch::Tensor>& cpu) {
      c10d::BroadcastOptions bo;
      bo.rootRank = 0;
      // One collective per tensor: a list means one tensor per device to c10d.
      guarded(options_, "broadcast", [&]() {
        for (auto& t : cpu) {
          std::vector<torch::Tensor> one{t};
          group_->broadcast(one, bo)->wait();
        }
        return 0;
      });
    });
  }

  void all_reduce_sum(std::vector<torch::Tensor> tensors) override {
    staged(tensors, [&](std::vector<torch::Tensor>& cpu) {
      guarded(options_, "all-reduce", [&]() {
        for (auto& t : cpu) {
          std::vector<torch::Tensor> one{t};
          group_->allreduce(one)->wait();
        }
        return 0;
      });
    });
  }

 private:
  // Gloo works on contiguous CPU tensors: others are copied there and back.
  template <typename Fn>
  void staged(std::vector<torch::Tensor>& tensors, Fn&& fn) {
    std::vector<torch::Tensor> cpu;
    for (auto& t : tensors) cpu.push_back(t.device().is_cpu() && t.is_contiguous() ? t : t.detach().cpu().contiguous());
    fn(cpu);
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < tensors.size(); ++i) {
      if (!cpu[i].is_same(tensors[i])) tensors[i].copy_(cpu[i]);
    }
  }

  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};
}  // namespace

bool DataParallel::available() { return true; }

StoreTransport DataParallel::store_transport() { return choose_store_transport(); }

std::shared_ptr<DataParallel> DataParallel::connect(const DistOptions& o) {
  if (o.world_size < 1 || o.rank < 0 || o.rank >= o.world_size) {
    fail("E_CONFIG", "Expected rank in [0, worldSize) but received rank ", o.rank, " of world size ", o.world_size);
  }
  if (o.master_port < 1 || o.master_port > 65535)
    fail("E_CONFIG", "Expected masterPort in [1, 65535] but received ", o.master_port);
  return std::make_shared<GlooDataParallel>(o);
}
#else
bool DataParallel::available() { return false; }

StoreTransport DataParallel::store_transport() { return {false, "no distributed backend in this build"}; }

std::shared_ptr<DataParallel> DataParallel::connect(const DistOptions&) {
  fail("E_DISTRIBUTED",
       "This build of gentorch has no distributed backend: build it against a libtorch with c10d and with "
       "gloo's headers installed (Debian: apt-get install libgloo-dev, then npm run build:native)");
}
#endif

}  // namespace gentorch
