// Token rows, the form in which lines reach the text models: int ids
// [N, maxLength + 1] as lib/data/vocabulary.ts encode() writes them, each row
// a line's characters (ids >= UNK), one EOS, then PAD. The TextVAE and the
// TextGAN check them here, once, with the same errors.
#pragma once

#include <torch/torch.h>

#include <utility>

#include "../models/text_ids.h"

namespace gentorch {

// Checks token rows for a model of `max_length` characters and `vocab_size`
// ids: E_SHAPE for another shape, E_DATA naming the first bad row and
// position (no rows, float ids, an id out of range, no EOS, a special before
// the EOS or anything but PAD after it). Returns the rows as int64 on
// `device` and their lengths (characters + EOS) as int64 on the CPU.
// `what` names the rows in messages ("training tokens").
std::pair<torch::Tensor, torch::Tensor> checked_tokens(const torch::Tensor& tokens, int64_t max_length,
                                                       int64_t vocab_size, const char* what, torch::Device device);

}  // namespace gentorch
