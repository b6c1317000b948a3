#include "text_tokens.h"

#include "../core/error.h"

namespace gentorch {

std::pair<torch::Tensor, torch::Tensor> checked_tokens(const torch::Tensor& tokens, int64_t max_length,
                                                       int64_t vocab_size, const char* what, torch::Device device) {
  const int64_t width = max_length + 1, vocab = vocab_size;
  if (tokens.dim() != 2 || tokens.size(1) != width) {
    fail("E_SHAPE", "Expected ", what, " of shape [N, ", width, "] (maxLength + 1) but received ", tokens.sizes());
  }
  if (tokens.size(0) == 0) fail("E_DATA", "Expected at least one string in ", what, " but received none");
  if (tokens.is_floating_point() || tokens.scalar_type() == torch::kBool)
    fail("E_DATA", "Expected integer token ids in ", what, " but received ", tokens.scalar_type());
  auto t = tokens.to(torch::kCPU, torch::kInt64).contiguous();
  auto out_of_range = ((t < 0) | (t >= vocab)).flatten().nonzero();
  if (out_of_range.size(0) > 0) {
    const int64_t at = out_of_range[0][0].item<int64_t>();
    fail("E_DATA", "Expected token ids in [0, ", vocab, ") (vocabSize) but ", what, "[", at / width, "][", at % width,
         "] is ", t.flatten()[at].item<int64_t>());
  }
  // Each row: characters (ids >= UNK), one EOS, then PAD only.
  auto eos = t == kEos;
  auto no_eos = (~eos.any(1)).nonzero();
  if (no_eos.size(0) > 0)
    fail("E_DATA", "Expected an EOS (id ", kEos, ") in ", what, "[", no_eos[0][0].item<int64_t>(), "]");
  auto first_eos = eos.to(torch::kInt64).argmax(1, /*keepdim=*/true);
  auto pos = torch::arange(width, torch::kInt64).unsqueeze(0);
  auto bad = ((pos < first_eos) & (t < kUnk)) | ((pos > first_eos) & (t != kPad));
  auto where = bad.flatten().nonzero();
  if (where.size(0) > 0) {
    const int64_t at = where[0][0].item<int64_t>();
    fail("E_DATA", "Expected characters, one EOS, then PAD in each row of ", what, " but ", what, "[", at / width, "][",
         at % width, "] is ", t.flatten()[at].item<int64_t>());
  }
  return {t.to(device), first_eos.squeeze(1) + 1};
}

}  // namespace gentorch
