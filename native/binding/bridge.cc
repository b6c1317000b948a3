#include "bridge.h"

#include <cstring>
#include <vector>

#include "errors.h"

namespace gentorch::binding {

namespace {

struct DTypeEntry {
  napi_typedarray_type js;
  torch::ScalarType torch;
  const char* name;
  size_t bytes;
};

// The one dtype table; element sizes pinned so JS and libtorch agree.
const DTypeEntry kDTypes[] = {
    {napi_float32_array, torch::kFloat32, "float32", 4}, {napi_float64_array, torch::kFloat64, "float64", 8},
    {napi_uint8_array, torch::kUInt8, "uint8", 1},       {napi_uint8_clamped_array, torch::kUInt8, "uint8", 1},
    {napi_int8_array, torch::kInt8, "int8", 1},          {napi_int16_array, torch::kInt16, "int16", 2},
    {napi_int32_array, torch::kInt32, "int32", 4},       {napi_bigint64_array, torch::kInt64, "int64", 8},
};
static_assert(sizeof(float) == 4 && sizeof(double) == 8 && sizeof(int64_t) == 8, "dtype table assumes IEEE sizes");

const DTypeEntry* by_js(napi_typedarray_type t) {
  for (const auto& e : kDTypes)
    if (e.js == t) return &e;
  return nullptr;
}

std::vector<int64_t> read_shape(Napi::Env env, Napi::Value value, const std::string& what) {
  if (!value.IsArray()) throw_error(env, "E_SHAPE", "Expected an array of sizes for " + what + ".shape");
  Napi::Array arr = value.As<Napi::Array>();
  std::vector<int64_t> shape;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value d = arr.Get(i);
    double v = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : -1;
    if (!(v >= 0) || v != static_cast<double>(static_cast<int64_t>(v)) || v > 9.0e15) {
      throw_error(env, "E_SHAPE", "Expected non-negative integer sizes in " + what + ".shape");
    }
    shape.push_back(static_cast<int64_t>(v));
  }
  return shape;
}

}  // namespace

torch::Tensor tensor_from_js(Napi::Env env, Napi::Value value, const std::string& what) {
  if (!value.IsObject()) throw_error(env, "E_DATA", "Expected an object { data, shape } for " + what);
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Value data = obj.Get("data");
  if (!data.IsTypedArray()) throw_error(env, "E_DATA", "Expected a typed array for " + what + ".data");
  Napi::TypedArray arr = data.As<Napi::TypedArray>();
  const DTypeEntry* dt = by_js(arr.TypedArrayType());
  if (dt == nullptr) throw_error(env, "E_DATA", "Unsupported typed array type for " + what + ".data");
  std::vector<int64_t> shape = read_shape(env, obj.Get("shape"), what);
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d != 0 && count > INT64_MAX / d) throw_error(env, "E_SHAPE", "Shape of " + what + " is too large");
    count *= d;
  }
  if (static_cast<size_t>(count) != arr.ElementLength()) {
    throw_error(env, "E_SHAPE",
                "Expected " + std::to_string(count) + " elements in " + what + ".data for its shape but received " +
                    std::to_string(arr.ElementLength()));
  }
  torch::Tensor out = torch::empty(shape, torch::TensorOptions().dtype(dt->torch));
  if (count > 0) {
    const uint8_t* src = static_cast<const uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
    std::memcpy(out.data_ptr(), src, static_cast<size_t>(count) * dt->bytes);
  }
  return out;
}

Napi::Object tensor_to_js(Napi::Env env, const torch::Tensor& tensor) {
  torch::Tensor t = tensor.device().is_cpu() ? tensor.contiguous() : tensor.cpu().contiguous();
  napi_typedarray_type js_type = napi_float32_array;
  const char* name = nullptr;
  if (t.scalar_type() == torch::kBool) {
    t = t.to(torch::kUInt8);
    js_type = napi_uint8_array;
    name = "bool";
  } else {
    for (const auto& e : kDTypes) {
      if (e.torch == t.scalar_type() && e.js != napi_uint8_clamped_array) {
        js_type = e.js;
        name = e.name;
        break;
      }
    }
  }
  if (name == nullptr) {
    t = t.to(torch::kFloat32);
    name = "float32";
  }
  const size_t n = static_cast<size_t>(t.numel());
  const size_t nbytes = n * t.element_size();
  Napi::ArrayBuffer buffer;
  if (nbytes == 0) {
    buffer = Napi::ArrayBuffer::New(env, 0);
  } else {
    auto* owner = new torch::Tensor(t);
    buffer = Napi::ArrayBuffer::New(
        env, owner->data_ptr(), nbytes, [](Napi::Env, void*, torch::Tensor* hint) { delete hint; }, owner);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("dtype", name);
  Napi::Array shape = Napi::Array::New(env, t.dim());
  for (int64_t i = 0; i < t.dim(); ++i)
    shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.size(i))));
  out.Set("shape", shape);
  napi_value array = nullptr;
  if (napi_create_typedarray(env, js_type, n, buffer, 0, &array) != napi_ok) {
    throw_error(env, "E_INTERNAL", "Could not create a typed array for a tensor");
  }
  out.Set("data", Napi::Value(env, array));
  return out;
}

}  // namespace gentorch::binding
