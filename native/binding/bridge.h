// Typed arrays <-> tensors. Inputs are copied into torch-owned memory because
// they are used on a job thread while JS may mutate or collect the array.
// Outputs hand JS an ArrayBuffer that owns its (contiguous CPU) tensor, so
// no copy is made and the tensor lives exactly as long as the buffer.
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <string>

namespace gentorch::binding {

// `value` is { data: TypedArray, shape: number[] }; `what` names it in errors.
torch::Tensor tensor_from_js(Napi::Env env, Napi::Value value, const std::string& what);

// { dtype, shape, data } for a CPU tensor (float32, float64, uint8, int8,
// int16, int32, int64, bool).
Napi::Object tensor_to_js(Napi::Env env, const torch::Tensor& tensor);

}  // namespace gentorch::binding
