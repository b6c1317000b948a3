#include "text_vae_trainer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../core/error.h"
#include "checkpoint_state.h"
#include "fit_loop.h"
#include "images.h"
#include "seeding.h"
#include "text_tokens.h"

namespace gentorch {

namespace F = torch::nn::functional;

namespace {
// Strings evaluated, encoded or decoded at a time.
constexpr int64_t kChunk = 500;
// Decoded sequences per IWAE chunk (strings times samples), bounding its memory.
constexpr int64_t kIwaeSequences = 4096;

NamedTensors parameters_of(const torch::nn::Module& m) {
  NamedTensors out;
  for (const auto& p : m.named_parameters()) out.emplace_back(p.key(), p.value());
  return out;
}
}  // namespace

TextVaeModel::TextVaeModel(TextVaeConfig config, torch::Device device, uint64_t seed)
    : config_(std::move(config)), device_(device) {
  // The rules on values are lib/config/text-vae.ts's; here what would break the loop.
  if (!(config_.char_dropout >= 0 && config_.char_dropout < 1))
    fail("E_CONFIG", "Expected charDropout in [0, 1) but received ", config_.char_dropout);
  if (config_.kl_warmup_steps < 0)
    fail("E_CONFIG", "Expected non-negative integer for klWarmupSteps but received ", config_.kl_warmup_steps);
  rng_ = seeded_init(seed, [&]() { net_ = make_text_vae_net(config_.net); });
  noise_ = device_.is_cpu() ? rng_ : make_generator(device_, mix_seed(seed, kNoiseStream, 0));
  net_->to(device_);
  state_.seed = seed;
  optimizer_ = std::make_unique<Adam>(parameters_of(*net_), AdamOptions());
}

int64_t TextVaeModel::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : net_->parameters()) n += p.numel();
  return n;
}

std::pair<torch::Tensor, torch::Tensor> TextVaeModel::checked_tokens(const torch::Tensor& tokens,
                                                                     const char* what) const {
  return gentorch::checked_tokens(tokens, config_.net.max_length(), config_.net.vocab_size(), what, device_);
}

double TextVaeModel::beta_at(int64_t steps_done) const {
  if (config_.kl_warmup_steps <= 0) return config_.beta;
  return config_.beta * std::min(1.0, static_cast<double>(steps_done + 1) / config_.kl_warmup_steps);
}

torch::Tensor TextVaeModel::decoder_inputs(const torch::Tensor& rows, double dropout, const RowNoise* noise) const {
  auto bos = torch::full({rows.size(0), 1}, kBos, rows.options());
  auto inputs = torch::cat({bos, rows.slice(1, 0, rows.size(1) - 1)}, 1);
  if (dropout <= 0 || noise == nullptr) return inputs;
  // Characters only: BOS stays, and what follows the EOS is masked anyway.
  auto u = noise->rand(inputs.sizes(), torch::TensorOptions().dtype(torch::kFloat32).device(device_));
  auto drop = (u < dropout) & (inputs >= kSpecials);
  return torch::where(drop, torch::full_like(inputs, kUnk), inputs);
}

torch::Tensor TextVaeModel::recon_per_string(const torch::Tensor& logits, const torch::Tensor& targets) const {
  auto ce = F::cross_entropy(logits.reshape({-1, logits.size(2)}), targets.reshape({-1}),
                             F::CrossEntropyFuncOptions().reduction(torch::kNone).ignore_index(kPad));
  return ce.view(targets.sizes()).sum(1);
}

bool TextVaeModel::train_step(const torch::Tensor& rows, const torch::Tensor& lengths, double beta, NanGuard& guard,
                              std::vector<torch::Tensor>& losses_out) {
  // Data-parallel: the global batch's noise, this rank's rows (parallel.h).
  const RowNoise noise = batch_noise(parallel_, noise_);
  auto [mu, logvar] = net_->encode(rows, lengths);
  auto eps = noise.randn(mu.sizes(), mu.options());
  auto z = mu + eps * torch::exp(0.5 * logvar);
  NgramRows ngram;
  auto recon =
      recon_per_string(net_->decode_logits(decoder_inputs(rows, config_.char_dropout, &noise), z, &noise, &ngram), rows)
          .sum();
  auto kl = -0.5 * torch::sum(1 + logvar - mu.pow(2) - logvar.exp());
  auto loss = recon + beta * kl;
  optimizer_->zero_grad();
  loss.backward();
  torch::Tensor row_index, row_grads;
  if (ngram.rows.defined()) {
    row_index = ngram.index;
    row_grads = ngram.rows.grad().defined() ? ngram.rows.grad() : torch::zeros_like(ngram.rows);
  }
  // The data-parallel seam: a summed loss, so gradients are summed over
  // ranks, the n-gram table's over the union of the rows the ranks read.
  if (parallel_) {
    parallel_->reduce_gradients(net_->parameters(), 1.0);
    if (row_index.defined()) std::tie(row_index, row_grads) = parallel_->reduce_rows(row_index, row_grads);
  }
  if (!guard.admit(loss, net_->parameters(), state_.step + 1)) {
    optimizer_->zero_grad();
    return false;
  }
  if (config_.clip_grad > 0) torch::nn::utils::clip_grad_norm_(net_->parameters(), config_.clip_grad);
  optimizer_->step();
  if (row_index.defined()) optimizer_->step_rows("ngram_table", row_index, row_grads, config_.ngram_lr_scale);
  auto beta_sum = torch::full({}, beta * static_cast<double>(rows.size(0)), loss.options());
  losses_out = {loss.detach(), recon.detach(), kl.detach(), beta_sum};
  return true;
}

void TextVaeModel::fit(const torch::Tensor& tokens, const TextVaeFitOptions& options, const FitHooks& hooks,
                       const torch::Tensor& validation) {
  if (options.precision() == "bfloat16")
    fail("E_CONFIG", "Expected precision auto or float32 for a TextVAE but received \"bfloat16\"");
  if (options.cuda_graphs() == "on")
    fail("E_CONFIG", "Expected cudaGraphs auto or off for a TextVAE (its steps vary in length) but received \"on\"");
  FitLoop loop(fit_plan(options), hooks, device_, false);
  auto [data, lengths] = checked_tokens(tokens, "training tokens");
  torch::Tensor val, val_lengths;
  if (validation.defined()) std::tie(val, val_lengths) = checked_tokens(validation, "validation tokens");
  loop.start({net_.get()}, {optimizer_.get()}, state_, rng_, device_.is_cpu() ? nullptr : &noise_,
             {"loss", "recon", "kl", "beta"}, false);
  // One rank of a data-parallel job: rank 0's state everywhere, then its rows of each global batch.
  const ParallelScope scope(parallel_, loop.parallel());
  BatchOrder order(data.size(0), options.batch_size(), loop.parallel(), device_);
  order.bucket_by(lengths);  // strings of like length together: ~40% less padding on words
  const int64_t steps_per_epoch = order.per_epoch();
  optimizer_->options().lr(options.lr());
  net_->train();
  for (bool first = true; loop.running(state_); first = false) {
    if (loop.stop_requested(state_)) break;
    if (first || order.starts_epoch(state_)) loop.meter().start_epoch();
    bool epoch_done = false;
    auto idx = order.next(state_, rng_, &epoch_done);
    loop.check_cancelled(state_.step);
    // The batch trimmed to the longest string of the global batch (its own
    // in one process), so that every rank draws the same noise.
    auto batch_lengths = lengths.index_select(0, idx.cpu());
    auto rows = data.index_select(0, idx).slice(1, 0, order.width());
    std::vector<torch::Tensor> losses;
    if (train_step(rows, batch_lengths, beta_at(state_.step), loop.guard(), losses))
      loop.meter().add(losses, rows.size(0), state_.step + 1);
    ++state_.step;
    loop.progress(state_, epoch_done || loop.at_target_step(state_), state_.epoch - (epoch_done ? 1 : 0),
                  epoch_done ? steps_per_epoch : state_.epoch_step, steps_per_epoch);
    loop.maybe_checkpoint(state_.step, [&]() { check_parameters_finite(*net_, "", state_.step, "try a smaller lr"); });
    if (epoch_done)
      loop.epoch_event(state_, val.defined() ? validate(val, val_lengths) : std::map<std::string, double>());
  }
  loop.finish();
}

std::map<std::string, double> TextVaeModel::validate(const torch::Tensor& data, const torch::Tensor& lengths) {
  torch::NoGradGuard no_grad;
  net_->eval();
  auto gen = make_generator(device_, mix_seed(state_.seed, kEvalStream, 0));
  auto [recon, kl] = elbo_sums(data, lengths, gen);
  net_->train();
  const double n = static_cast<double>(data.size(0));
  return {{"loss", (recon + config_.beta * kl) / n}, {"recon", recon / n}, {"kl", kl / n}};
}

std::pair<double, double> TextVaeModel::elbo_sums(const torch::Tensor& data, const torch::Tensor& lengths,
                                                  at::Generator& gen) {
  auto sums = torch::zeros({2}, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
  const int64_t n = data.size(0);
  for (int64_t i = 0; i < n; i += kChunk) {
    auto len = lengths.slice(0, i, std::min(n, i + kChunk));
    auto rows = data.slice(0, i, std::min(n, i + kChunk)).slice(1, 0, len.max().item<int64_t>());
    auto [mu, logvar] = net_->encode(rows, len);
    auto z = mu + at::randn(mu.sizes(), gen, mu.options()) * torch::exp(0.5 * logvar);
    auto recon = recon_per_string(net_->decode_logits(decoder_inputs(rows, 0), z), rows).sum();
    auto kl = -0.5 * torch::sum(1 + logvar - mu.pow(2) - logvar.exp());
    sums.add_(torch::stack({recon, kl}).to(torch::kFloat64));
  }
  auto s = sums.cpu();
  return {s[0].item<double>(), s[1].item<double>()};
}

TextVaeModel::IwaeSums TextVaeModel::iwae_sums(const torch::Tensor& data, const torch::Tensor& lengths, int64_t k,
                                               at::Generator& gen) {
  auto total = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
  auto recon = torch::zeros_like(total), kl = torch::zeros_like(total);
  // Strings at a time, and their samples in groups, so that at most about
  // kIwaeSequences sequences are decoded at once whatever k is.
  const int64_t n = data.size(0), chunk = std::max<int64_t>(1, kIwaeSequences / k);
  for (int64_t i = 0; i < n; i += chunk) {
    auto len = lengths.slice(0, i, std::min(n, i + chunk));
    auto rows = data.slice(0, i, std::min(n, i + chunk)).slice(1, 0, len.max().item<int64_t>());
    const int64_t b = rows.size(0), group = std::max<int64_t>(1, kIwaeSequences / b);
    auto [mu, logvar] = net_->encode(rows, len);
    kl.add_((-0.5 * torch::sum(1 + logvar - mu.pow(2) - logvar.exp())).to(torch::kFloat64));
    std::vector<torch::Tensor> log_ws;
    for (int64_t s = 0; s < k; s += group) {
      const int64_t g = std::min(group, k - s);
      auto eps = at::randn({g, b, mu.size(1)}, gen, mu.options());
      auto z = mu.unsqueeze(0) + eps * torch::exp(0.5 * logvar).unsqueeze(0);  // [g, b, d]
      auto all_rows = rows.repeat({g, 1});                                     // row j + b * s' is rows[j]
      auto nll = recon_per_string(net_->decode_logits(decoder_inputs(all_rows, 0), z.reshape({g * b, -1})), all_rows)
                     .view({g, b});
      // log p(z) - log q(z|x), the 2*pi terms cancelling.
      auto log_ratio = (0.5 * (eps.pow(2) - z.pow(2) + logvar.unsqueeze(0))).sum(2);
      log_ws.push_back((log_ratio - nll).to(torch::kFloat64));
      recon.add_(nll.to(torch::kFloat64).sum() / static_cast<double>(k));
    }
    total.add_((torch::logsumexp(torch::cat(log_ws), 0) - std::log(static_cast<double>(k))).sum());
  }
  return {-total.item<double>(), recon.item<double>(), kl.item<double>()};
}

TextVaeEvaluation TextVaeModel::evaluate(const torch::Tensor& tokens, int64_t k) {
  if (k < 1 || k > 100000) fail("E_CONFIG", "Expected integer in [1, 100000] for iwaeSamples but received ", k);
  auto [data, lengths] = checked_tokens(tokens, "tokens");
  torch::NoGradGuard no_grad;
  net_->eval();
  // Streams of their own, drawn afresh each time: the same numbers for the
  // same weights, and the training streams untouched.
  auto iwae_gen = make_generator(device_, mix_seed(state_.seed, kEvalStream, 1));
  // The KL in closed form; the reconstruction term averaged over the IWAE
  // bound's own k draws of z (k times less noise than one draw, and the
  // bound below it by Jensen's inequality up to the KL's own sampling).
  const auto [iwae, recon, kl] = iwae_sums(data, lengths, k, iwae_gen);
  TextVaeEvaluation out;
  out.strings = data.size(0);
  out.tokens = lengths.sum().item<int64_t>();
  const double n = static_cast<double>(out.strings);
  out.recon = recon / n;
  out.kl = kl / n;
  out.nelbo = out.recon + out.kl;
  out.iwae = iwae / n;
  // Active units (Burda et al. 2016): Var over the data of E_q[z_d] = mu_d.
  auto mu = in_chunks(
      out.strings,
      [&](int64_t a, int64_t b) {
        auto len = lengths.slice(0, a, b);
        return net_->encode(data.slice(0, a, b).slice(1, 0, len.max().item<int64_t>()), len).first;
      },
      kChunk);
  auto var = mu.to(torch::kFloat64).var(0, /*unbiased=*/false);
  out.active_units = (var > 0.01).sum().item<int64_t>();
  out.mu_variance.assign(var.data_ptr<double>(), var.data_ptr<double>() + var.numel());
  return out;
}

std::pair<torch::Tensor, torch::Tensor> TextVaeModel::encode(const torch::Tensor& tokens) {
  auto [data, lengths] = checked_tokens(tokens, "tokens");
  torch::NoGradGuard no_grad;
  net_->eval();
  auto both = in_chunks(
      data.size(0),
      [&](int64_t a, int64_t b) {
        auto len = lengths.slice(0, a, b);
        auto [mu, logvar] = net_->encode(data.slice(0, a, b).slice(1, 0, len.max().item<int64_t>()), len);
        return torch::cat({mu, logvar}, 1);
      },
      kChunk);
  const int64_t d = config_.net.latent_dim();
  return {both.slice(1, 0, d).contiguous(), both.slice(1, d, 2 * d).contiguous()};
}

torch::Tensor TextVaeModel::generate(const torch::Tensor& z, double temperature, int64_t max_length,
                                     at::Generator& gen) {
  const int64_t b = z.size(0);
  auto ids = torch::TensorOptions().dtype(torch::kInt64).device(device_);
  auto out = torch::full({b, max_length + 1}, kPad, ids);
  auto input = torch::full({b}, kBos, ids);
  auto done = torch::zeros({b}, ids.dtype(torch::kBool));
  auto state = net_->start(z);
  // PAD and BOS are never targets, and UNK stands for no character: never drawn.
  auto never = torch::tensor({kPad, kBos, kUnk}, ids);
  for (int64_t t = 0; t <= max_length; ++t) {
    auto logits = net_->step(input, z, state).index_fill(1, never, -std::numeric_limits<double>::infinity());
    torch::Tensor next;
    if (t == max_length) {
      next = torch::full({b}, kEos, ids);  // the longest string ends here
    } else if (temperature == 0) {
      next = logits.argmax(1);
    } else {
      next = at::multinomial(torch::softmax(logits / temperature, 1), 1, false, gen).squeeze(1);
    }
    next = torch::where(done, torch::full_like(next, kPad), next);
    out.select(1, t).copy_(next);
    done = done | (next == kEos);
    if (done.all().item<bool>()) break;
    input = next;
  }
  return out.to(torch::kInt32);
}

torch::Tensor TextVaeModel::decode(const torch::Tensor& z, double temperature, int64_t max_length, uint64_t seed) {
  const int64_t d = config_.net.latent_dim();
  if (z.dim() != 2 || z.size(1) != d)
    fail("E_SHAPE", "Expected latent codes of shape [N, ", d, "] but received ", z.sizes());
  if (z.size(0) == 0) fail("E_DATA", "Expected at least one latent code but received none");
  if (!(temperature >= 0) || !std::isfinite(temperature))
    fail("E_CONFIG", "Expected a finite non-negative number for temperature but received ", temperature);
  if (max_length < 1 || max_length > config_.net.max_length())
    fail("E_CONFIG", "Expected maxLength in [1, ", config_.net.max_length(), "] but received ", max_length);
  torch::NoGradGuard no_grad;
  net_->eval();
  auto zd = z.to(device_, torch::kFloat32);
  auto gen = make_generator(device_, mix_seed(seed, kSampleStream, 1));
  return in_chunks(
      zd.size(0), [&](int64_t a, int64_t b) { return generate(zd.slice(0, a, b), temperature, max_length, gen); },
      kChunk);
}

torch::Tensor TextVaeModel::sample(int64_t n, double temperature, int64_t max_length, uint64_t seed) {
  if (n < 1) fail("E_CONFIG", "Expected positive integer for n but received ", n);
  auto gen = make_generator(device_, mix_seed(seed, kSampleStream, 0));
  auto z = at::randn({n, config_.net.latent_dim()}, gen, torch::TensorOptions().device(device_));
  return decode(z, temperature, max_length, seed);
}

torch::Tensor TextVaeModel::reconstruct(const torch::Tensor& tokens) {
  return decode(encode(tokens).first, 0, config_.net.max_length(), 0);
}

torch::Tensor TextVaeModel::fill(const torch::Tensor& rows, const torch::Tensor& z) {
  auto out = rows.clone();
  auto input = torch::full({rows.size(0)}, kBos, rows.options());
  auto state = net_->start(z);
  // A fill is a character: never a special (the EOS stays where the row has it).
  auto never = torch::tensor({kPad, kBos, kEos, kUnk}, rows.options());
  for (int64_t t = 0; t < rows.size(1); ++t) {
    auto best = net_->step(input, z, state).index_fill(1, never, -std::numeric_limits<double>::infinity()).argmax(1);
    auto col = out.select(1, t);
    col.copy_(torch::where(col == kUnk, best, col));
    input = col;
  }
  return out;
}

torch::Tensor TextVaeModel::sweep(const torch::Tensor& rows, const torch::Tensor& holes, const torch::Tensor& z) {
  const int64_t chars = config_.net.vocab_size() - kSpecials;
  auto out = rows.clone();
  auto ids = torch::arange(kSpecials, config_.net.vocab_size(), rows.options());
  for (int64_t t = 0; t < rows.size(1); ++t) {
    auto which = holes.select(1, t).nonzero().squeeze(1);
    if (which.size(0) == 0) continue;
    // Every character at position t of each row with a hole there, scored whole.
    auto cand = out.index_select(0, which).repeat_interleave(chars, 0);
    cand.select(1, t).copy_(ids.repeat({which.size(0)}));
    auto zc = z.index_select(0, which).repeat_interleave(chars, 0);
    auto nll = recon_per_string(net_->decode_logits(decoder_inputs(cand, 0), zc), cand).view({-1, chars});
    out.select(1, t).index_copy_(0, which, ids.index_select(0, nll.argmin(1)));
  }
  return out;
}

torch::Tensor TextVaeModel::repair(const torch::Tensor& tokens, int64_t rounds) {
  if (rounds < 1 || rounds > 100) fail("E_CONFIG", "Expected integer in [1, 100] for rounds but received ", rounds);
  auto [data, lengths] = checked_tokens(tokens, "tokens");
  torch::NoGradGuard no_grad;
  net_->eval();
  const int64_t width = data.size(1);
  // Sequences decoded at once by a sweep: a chunk's rows times the characters.
  const int64_t chunk = std::max<int64_t>(1, kIwaeSequences / config_.net.vocab_size());
  return in_chunks(
      data.size(0),
      [&](int64_t a, int64_t b) {
        auto len = lengths.slice(0, a, b);
        auto rows = data.slice(0, a, b).slice(1, 0, len.max().item<int64_t>());
        auto holes = rows == kUnk;
        torch::Tensor best, best_cost, current = rows;
        for (int64_t r = 0; r < rounds; ++r) {
          auto z = net_->encode(current, len).first;
          current = sweep(fill(rows, z), holes, z);
          auto cost =
              recon_per_string(net_->decode_logits(decoder_inputs(current, 0), z), current) + 0.5 * z.pow(2).sum(1);
          if (r == 0) {
            best = current;
            best_cost = cost;
          } else {
            auto better = cost < best_cost;
            best = torch::where(better.unsqueeze(1), current, best);
            best_cost = torch::where(better, cost, best_cost);
          }
        }
        return torch::constant_pad_nd(best, {0, width - best.size(1)}, kPad).to(torch::kInt32);
      },
      chunk);
}

NamedTensors TextVaeModel::export_state(bool optimizer) {
  NamedTensors out;
  add_snapshot(out, parameters_of(*net_));
  if (optimizer) {
    add_snapshot(out, optimizer_->state(), "optim.");
    out.emplace_back("rng.cpu", rng_.get_state());
    if (!device_.is_cpu()) out.emplace_back("rng.noise", noise_.get_state().cpu());
  }
  return out;
}

void TextVaeModel::import_state(const NamedTensors& tensors, const TrainingState& state) {
  const LoadedState side = load_checked(tensors, {parameters_of(*net_), {"optim."}, {"rng.cpu", "rng.noise"}});
  const NamedTensors optim = side.with_prefix("optim.");
  if (!optim.empty()) optimizer_->load_state(optim, state.step);
  restore_rng(side.by_name, "rng.cpu", rng_);
  if (!device_.is_cpu()) restore_rng(side.by_name, "rng.noise", noise_);
  state_ = state;
}

}  // namespace gentorch
