#include "fields.h"

#include <cmath>

#include "errors.h"

namespace gentorch::binding {

Napi::Value FieldReader::required(const char* key) const {
  Napi::Value v = obj.Get(key);
  if (v.IsUndefined()) {
    throw_error(obj.Env(), "E_CONFIG",
                std::string("Expected ") + key + " in the " + what + " (lib/config fills every default)");
  }
  return v;
}

void FieldReader::operator()(const char* key, int64_t& out) const {
  Napi::Value v = required(key);
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e15) {
    throw_error(obj.Env(), "E_CONFIG", std::string("Expected integer for ") + key + " in the " + what);
  }
  out = static_cast<int64_t>(d);
}

void FieldReader::operator()(const char* key, double& out) const {
  Napi::Value v = required(key);
  if (!v.IsNumber()) throw_error(obj.Env(), "E_CONFIG", std::string("Expected number for ") + key + " in the " + what);
  out = v.As<Napi::Number>().DoubleValue();
}

void FieldReader::operator()(const char* key, std::string& out) const {
  Napi::Value v = required(key);
  if (!v.IsString()) throw_error(obj.Env(), "E_CONFIG", std::string("Expected string for ") + key + " in the " + what);
  out = v.As<Napi::String>().Utf8Value();
}

void FieldReader::operator()(const char* key, bool& out) const {
  Napi::Value v = required(key);
  if (!v.IsBoolean())
    throw_error(obj.Env(), "E_CONFIG", std::string("Expected boolean for ") + key + " in the " + what);
  out = v.As<Napi::Boolean>().Value();
}

namespace {
template <class T, class Fields>
Napi::Object written(Napi::Env env, Fields fields) {
  T value;
  Napi::Object out = Napi::Object::New(env);
  fields(value, FieldWriter{out});
  return out;
}
}  // namespace

Napi::Object native_defaults(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("vaeConfig", written<VaeConfig>(env, vae_config_fields<FieldWriter>));
  out.Set("vaeFit", written<VaeFitOptions>(env, vae_fit_fields<FieldWriter>));
  out.Set("textVaeConfig", written<TextVaeConfig>(env, text_vae_config_fields<FieldWriter>));
  out.Set("textVaeFit", written<TextVaeFitOptions>(env, vae_fit_fields<FieldWriter>));
  out.Set("textGanConfig", written<TextGanConfig>(env, text_gan_config_fields<FieldWriter>));
  out.Set("textGanFit", written<TextGanFitOptions>(env, text_gan_fit_fields<FieldWriter>));
  out.Set("textGanInvert", written<TextInversionOptions>(env, text_inversion_fields<FieldWriter>));
  out.Set("ganConfig", written<GanConfig>(env, gan_config_fields<FieldWriter>));
  out.Set("ganFit", written<GanFitOptions>(env, gan_fit_fields<FieldWriter>));
  out.Set("translatorConfig", written<TranslatorConfig>(env, translator_config_fields<FieldWriter>));
  out.Set("translatorFit", written<TranslatorFitOptions>(env, translator_fit_fields<FieldWriter>));
  out.Set("classifierConfig", written<ClassifierOptions>(env, classifier_config_fields<FieldWriter>));
  out.Set("classifierFit", written<ClassifierFitOptions>(env, classifier_fit_fields<FieldWriter>));
  out.Set("latentSearch", written<LatentSearchOptions>(env, latent_search_fields<FieldWriter>));
  return out;
}

}  // namespace gentorch::binding
