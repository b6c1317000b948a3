/**
 * gentorch: train, compare and apply VAEs and GANs from Node.js on libtorch.
 */
export { VAE } from './models/vae.js';
export { VERSION } from './version.js';
export type { VaeOptions, FitOptions, VaeEvaluation } from './models/vae.js';
export type { FitProgress, FitHistory, EpochRecord, FitCallbacks } from './models/fit.js';
export { earlyStopping, EarlyStopping } from './models/early-stopping.js';
export type { EarlyStoppingOptions, EarlyStoppingMode, StoppedEarly } from './models/early-stopping.js';
export { VAE_DEFAULTS } from './config/vae.js';
export type { VaeConfig } from './config/vae.js';
export { FIT_DEFAULTS } from './config/fit.js';
export type { FitConfig, Precision, OnNan } from './config/fit.js';
export { GentorchError, isGentorchError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { HostTensor, DType } from './tensor.js';
export type { ImageDataset, Split } from './data/datasets.js';
export { installInfo, setThreads } from './models/runtime.js';
export { gridPng, writeGridPng } from './io/images.js';
export { readNpy, writeNpy } from './io/npy.js';
export { readIdx } from './io/idx.js';

export { GAN } from './models/gan.js';
export { ONNX_OPSET, ONNX_PARTS } from './io/onnx.js';
export { explorerPage, writeExplorer, EXPLORE_DEFAULTS } from './compare/explore.js';
export type { ExploreOptions } from './compare/explore.js';
export type { OnnxExport, OnnxFile, OnnxIo, OnnxPart } from './io/onnx.js';
export type { GanOptions, GanFitOptions } from './models/gan.js';
export { GAN_DEFAULTS, GAN_FIT_DEFAULTS } from './config/gan.js';
export { GAN_PRESETS } from './config/presets.js';
export type { GanConfig, GanFitConfig, GanLoss } from './config/gan.js';
export { SYNTHETIC, modeCoverage } from './data/synthetic.js';
export { Translator } from './models/translator.js';
export type { TranslatorOptions, TranslatorFitOptions, TranslatorImages } from './models/translator.js';
export { compareTranslation, distortion, diversity } from './compare/translate.js';
export type {
  TranslationCompareOptions,
  TranslationPoint,
  TranslationResults,
  TranslationScores,
  TranslationTask,
} from './compare/translate.js';
export { renderTranslationReport } from './report/translation.js';
export {
  TRANSLATOR_DEFAULTS,
  TRANSLATOR_FIT_DEFAULTS,
  TRANSLATOR_TASKS,
  TRANSLATOR_FAMILIES,
} from './config/translate.js';
export type {
  TranslatorConfig,
  TranslatorFitConfig,
  TranslatorTask,
  TranslatorFamily,
  TranslatorGanLoss,
} from './config/translate.js';
export { Classifier, CLASSIFIER_DEFAULTS } from './models/classifier.js';
export type { ClassifierConfig, ClassifierFitConfig } from './config/classifier.js';
export { CLASSIFIER_FIT_DEFAULTS } from './config/classifier.js';
export { featureFid, classCoverage, frechetDistance } from './compare/metrics.js';
export type { ClassCoverage } from './compare/metrics.js';
export { precisionRecall, psnr, activeUnits, lossOscillation } from './compare/metrics.js';
export { compare, DEFAULT_MODELS, DEFAULT_BUDGET_SECONDS } from './compare/compare.js';
export type { CompareOptions, CompareProgress } from './compare/compare.js';
export { MODEL_PRESETS } from './config/presets.js';
export type { ModelPreset } from './config/presets.js';
export { evaluate, judgeBench } from './compare/evaluate.js';
export type { Evaluation, JudgeBench } from './compare/evaluate.js';
export { interpolation, traversal, restoreByEncoder, corrupt } from './compare/apply.js';
export { restore, randomHoles, damage, maskedPsnr, keepKnown } from './compare/restore.js';
export { measureUses, USES_NOISE_STD } from './compare/uses.js';
export type { Uses, UsesOptions } from './compare/uses.js';
export { seedSpread, spreadOf, SPREAD_FIGURES } from './compare/seeds.js';
export {
  codeCurve,
  codecCurves,
  codecRoundTrip,
  quantizeCodes,
  ssim,
  CODE_BITS,
  CODEC_QUALITIES,
} from './compare/compression.js';
export type { RatePoint } from './compare/compression.js';
export { kernelDistance, frechetInterval, oscillation } from './compare/metrics.js';
export type { Interval } from './compare/metrics.js';
export type { RestoreOptions, Restoration, HoleOptions } from './compare/restore.js';
export type { Mask, SearchOptions, SearchResult } from './models/search.js';
export { SEARCH_DEFAULTS } from './config/search.js';
export type { LatentSearchConfig } from './config/search.js';
export type { Corruption, InterpolationOptions, TraversalOptions } from './compare/apply.js';
export { summarize, renderReport } from './report/report.js';
export type { Summary } from './report/report.js';
export { RESULTS_SCHEMA } from './report/results.js';
export type * from './report/results.js';
export type { ModeCoverage, MixtureSpec, SyntheticName } from './data/synthetic.js';
export { Vocabulary, PAD, BOS, EOS, UNK } from './data/vocabulary.js';
export type { VocabularyJson, UnknownShare } from './data/vocabulary.js';
export { TextVAE } from './models/text-vae.js';
export type { TextVaeOptions, TextFitOptions, TextVaeEvaluation, TextLines } from './models/text-vae.js';
export { TEXT_VAE_DEFAULTS, TEXT_USE_DEFAULTS } from './config/text-vae.js';
export type { TextVaeConfig, TextDecodeOptions } from './config/text-vae.js';
export { TEXT_REPAIR_DEFAULTS, type TextRepairOptions } from './models/text-repair.js';
export { TextGAN } from './models/text-gan.js';
export type {
  TextGanOptions,
  TextGanFitOptions,
  TextInvertOptions,
  TextRepairOptions as TextGanRepairOptions,
  TextInversion,
} from './models/text-gan.js';
export { TEXT_GAN_DEFAULTS, TEXT_GAN_FIT_DEFAULTS, TEXT_INVERT_DEFAULTS } from './config/text-gan.js';
export type { TextGanConfig, TextGanFitConfig, TextInvertConfig } from './config/text-gan.js';
export { fnv1a32, TEXT_MAX_LENGTH, WORDS_FILE } from './data/text.js';
export type { TextDataset, TextFile, TextReadOptions, SkippedLines, WordsOptions } from './data/text.js';
export { NgramModel, chooseOrder, NGRAM_DEFAULTS } from './compare/ngram.js';
export type { NgramFitOptions, OrderChoice, TextCost } from './compare/ngram.js';
export {
  validity,
  novelty,
  textDiversity,
  ngramJsd,
  lengthStats,
  totalVariation,
  gzipBaseline,
  textSampleMetrics,
  JSD_ORDERS,
} from './compare/text-metrics.js';
export type { LengthStats, GzipBaseline, TextSampleMetrics } from './compare/text-metrics.js';

import { fashionMnist, fromArrays, fromIdx, fromNpy, idxFolder, loadDataSpec } from './data/datasets.js';
import { fromFolder } from './data/folder.js';
import { synthetic } from './data/synthetic.js';
import { fromLines, loadTextSpec, readTextFile, splitText, words } from './data/text.js';

/** Dataset sources. */
export const datasets = {
  fashionMnist,
  fromArrays,
  fromNpy,
  fromIdx,
  idxFolder,
  fromFolder,
  synthetic,
  load: loadDataSpec,
  words,
  readTextFile,
  fromLines,
  splitText,
  loadText: loadTextSpec,
};

export { load } from './models/load.js';
export { distributedFromEnv, resolveDistributed, DISTRIBUTED_DEFAULTS } from './models/distributed.js';
export type { DistributedOptions } from './models/distributed.js';
export type { FolderOptions, FolderDataset } from './data/folder.js';

import { native } from './native.js';

// The addon loads with the package, as sharp's does: an import where it
// cannot load fails at once with E_NATIVE and the fix for this machine
// (lib/native-help.ts), not at the first fit.
native();
