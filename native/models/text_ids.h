// The special ids every text model shares (lib/data/vocabulary.ts): PAD 0,
// BOS 1, EOS 2, UNK 3, then the characters from 4.
#pragma once

#include <cstdint>

namespace gentorch {

/// The special ids (lib/data/vocabulary.ts).
constexpr int64_t kPad = 0, kBos = 1, kEos = 2, kUnk = 3, kSpecials = 4;

}  // namespace gentorch
