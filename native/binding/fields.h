// The option structs' fields under their lib/ names, listed once per struct
// and walked by two visitors: FieldReader fills a struct from the fully
// defaulted object lib/config sends (every key required: no silent fall-back
// to a C++ default), FieldWriter turns a default-constructed struct into the
// object `nativeDefaults()` returns, which test/native/defaults.test.ts holds
// against lib/config's *_DEFAULTS. A field added here is read and checked.
#pragma once

#include <napi.h>

#include <string>

#include "../train/classifier_trainer.h"
#include "../train/gan_trainer.h"
#include "../train/latent_search.h"
#include "../train/text_gan_trainer.h"
#include "../train/text_vae_trainer.h"
#include "../train/translator_trainer.h"
#include "../train/vae_trainer.h"

namespace gentorch::binding {

template <class Visit>
void vae_config_fields(VaeConfig& c, Visit&& v) {
  image_fields(c.net, v);
  v("hiddenDim", c.net.hidden_dim());
  v("latentDim", c.net.latent_dim());
  v("likelihood", c.likelihood);
  v("beta", c.beta);
  v("output", c.output);
}

// The fields every fit's options share (VaeFitOptions, GanFitOptions).
template <class Options, class Visit>
void common_fit_fields(Options& o, Visit&& v) {
  v("epochs", o.epochs());
  v("steps", o.steps());
  v("batchSize", o.batch_size());
  v("progressEvery", o.progress_every());
  v("checkpointEvery", o.checkpoint_every());
  v("precision", o.precision());
  v("onNan", o.on_nan());
  v("cudaGraphs", o.cuda_graphs());
  v("totals", o.totals());
}

// An image model's shape (VaeNetOptions, GanNetOptions).
template <class Net, class Visit>
void image_fields(Net& n, Visit&& v) {
  v("arch", n.arch());
  v("channels", n.channels());
  v("height", n.height());
  v("width", n.width());
}

template <class Visit>
void vae_fit_fields(VaeFitOptions& o, Visit&& v) {
  common_fit_fields(o, v);
  v("lr", o.lr());
}

template <class Visit>
void text_vae_config_fields(TextVaeConfig& c, Visit&& v) {
  v("vocabSize", c.net.vocab_size());
  v("maxLength", c.net.max_length());
  v("embedDim", c.net.embed_dim());
  v("hiddenDim", c.net.hidden_dim());
  v("encoderHiddenDim", c.net.encoder_hidden_dim());
  v("dropout", c.net.dropout());
  v("latentDim", c.net.latent_dim());
  v("bidirectional", c.net.bidirectional());
  v("ngramOrder", c.net.ngram_order());
  v("ngramBuckets", c.net.ngram_buckets());
  v("ngramDim", c.net.ngram_dim());
  v("ngramDropout", c.net.ngram_dropout());
  v("ngramLrScale", c.ngram_lr_scale);
  v("beta", c.beta);
  v("klWarmupSteps", c.kl_warmup_steps);
  v("charDropout", c.char_dropout);
  v("clipGrad", c.clip_grad);
}

template <class Visit>
void text_gan_config_fields(TextGanConfig& c, Visit&& v) {
  v("vocabSize", c.net.vocab_size());
  v("maxLength", c.net.max_length());
  v("latentDim", c.net.latent_dim());
  v("hiddenDim", c.net.hidden_dim());
  v("blocks", c.net.blocks());
  v("gpLambda", c.gp_lambda);
  v("nCritic", c.n_critic);
}

template <class Visit>
void text_gan_fit_fields(TextGanFitOptions& o, Visit&& v) {
  common_fit_fields(o, v);
  v("lr", o.lr());
  v("beta1", o.beta1());
  v("beta2", o.beta2());
}

template <class Visit>
void text_inversion_fields(TextInversionOptions& o, Visit&& v) {
  v("steps", o.steps);
  v("lr", o.lr);
  v("seed", o.seed);
}

template <class Visit>
void gan_config_fields(GanConfig& c, Visit&& v) {
  image_fields(c.net, v);
  v("latentDim", c.net.latent_dim());
  v("gHidden", c.net.g_hidden());
  v("dHidden", c.net.d_hidden());
  v("hiddenLayers", c.net.hidden_layers());
  v("features", c.net.features());
  v("output", c.net.output());
  v("numClasses", c.net.num_classes());
  v("dBatchnorm", c.net.d_batchnorm());
  v("loss", c.loss);
  v("gpLambda", c.gp_lambda);
  v("nCritic", c.n_critic);
  v("labelSmoothing", c.label_smoothing);
  v("emaDecay", c.ema_decay);
  v("clipGrad", c.clip_grad);
}

template <class Visit>
void gan_fit_fields(GanFitOptions& o, Visit&& v) {
  common_fit_fields(o, v);
  v("lrG", o.lr_g());
  v("lrD", o.lr_d());
  v("beta1", o.beta1());
  v("beta2", o.beta2());
  v("sampleEvery", o.sample_every());
  v("sampleCount", o.sample_count());
}

template <class Visit>
void translator_config_fields(TranslatorConfig& c, Visit&& v) {
  v("task", c.task.task());
  v("factor", c.task.factor());
  v("noiseStd", c.task.noise_std());
  v("holesMin", c.task.holes_min());
  v("holesMax", c.task.holes_max());
  v("sideMin", c.task.side_min());
  v("sideMax", c.task.side_max());
  v("strokes", c.task.strokes());
  v("strokeWidth", c.task.stroke_width());
  v("family", c.family);
  v("channels", c.channels);
  v("height", c.height);
  v("width", c.width);
  v("inputChannels", c.input_channels);
  v("features", c.features);
  v("depth", c.depth);
  v("dFeatures", c.d_features);
  v("dropout", c.dropout);
  v("ganLoss", c.gan_loss);
  v("l1Weight", c.l1_weight);
  v("latentDim", c.latent_dim);
  v("beta", c.beta);
}

template <class Visit>
void translator_fit_fields(TranslatorFitOptions& o, Visit&& v) {
  common_fit_fields(o, v);
  v("lr", o.lr());
  v("beta1", o.beta1());
  v("beta2", o.beta2());
}

template <class Visit>
void classifier_config_fields(ClassifierOptions& o, Visit&& v) {
  v("channels", o.channels());
  v("height", o.height());
  v("width", o.width());
  v("numClasses", o.num_classes());
  v("featureDim", o.feature_dim());
}

template <class Visit>
void classifier_fit_fields(ClassifierFitOptions& o, Visit&& v) {
  v("epochs", o.epochs());
  v("batchSize", o.batch_size());
  v("lr", o.lr());
  v("progressEvery", o.progress_every());
}

template <class Visit>
void latent_search_fields(LatentSearchOptions& o, Visit&& v) {
  v("steps", o.steps);
  v("lr", o.lr);
  v("starts", o.starts);
  v("startSteps", o.start_steps);
  v("noiseStd", o.noise_std);
  v("sigmaFloor", o.sigma_floor);
  v("prior", o.prior);
  v("chunk", o.chunk);
  v("seed", o.seed);
}

// Reads each visited field from `obj`; a missing key or a value of the wrong
// type throws E_CONFIG naming it (`what` says which object: "VAE config").
struct FieldReader {
  const Napi::Object& obj;
  const char* what;
  void operator()(const char* key, int64_t& out) const;
  void operator()(const char* key, double& out) const;
  void operator()(const char* key, std::string& out) const;
  void operator()(const char* key, bool& out) const;

 private:
  Napi::Value required(const char* key) const;
};

// Writes each visited field into `obj`.
struct FieldWriter {
  Napi::Object& obj;
  template <class T>
  void operator()(const char* key, const T& value) const {
    obj.Set(key, value);
  }
  void operator()(const char* key, const int64_t& value) const { obj.Set(key, static_cast<double>(value)); }
};

// Reads a struct through its field list: read<VaeConfig>(obj, "VAE config", vae_config_fields<const FieldReader&>).
template <class T, class Fields>
T read_fields(const Napi::Object& obj, const char* what, Fields fields) {
  T out;
  fields(out, FieldReader{obj, what});
  return out;
}

// { vaeConfig, vaeFit, textVaeConfig, textVaeFit, textGanConfig, textGanFit, textGanInvert, ganConfig, ganFit,
// translatorConfig, translatorFit, classifierConfig, classifierFit, latentSearch }: the C++ structs' own defaults.
Napi::Object native_defaults(Napi::Env env);

}  // namespace gentorch::binding
