/**
 * The one loader of the native addon, and the typed face of the raw binding
 * (as node-llama-cpp's AddonTypes). Nothing outside lib/ touches the binding.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GentorchError } from './errors.js';
import { nativeFacts, nativeHelp, type LoadFailure } from './native-help.js';
import type { AnyTypedArray, DType, HostTensor } from './tensor.js';
import type { LatentSearchConfig } from './config/search.js';

const require = createRequire(import.meta.url);
/** The package root (lib/ compiles to dist/, one level down). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

declare const handleBrand: unique symbol;

/** A tensor as the binding takes it: a typed array and a shape. */
export interface TensorArg {
  data: AnyTypedArray;
  shape: number[];
}

export interface NamedTensor extends HostTensor {
  name: string;
}

export interface NativeTrainingState {
  seed: number;
  step: number;
  epoch: number;
  epochStep: number;
  /** Seed of the current epoch's data permutation (a 64-bit decimal string). */
  permSeed: string;
}

export interface NativeProgressEvent {
  type: 'progress';
  step: number;
  epoch: number;
  epochStep: number;
  stepsPerEpoch: number;
  losses: Record<string, number>;
  imagesPerSecond: number;
  elapsedSeconds: number;
  skippedSteps: number;
  cudaGraphs: boolean;
}

export interface NativeEpochEvent {
  type: 'epoch';
  epoch: number;
  step: number;
  seconds: number;
  losses: Record<string, number>;
  /** The losses on the fit's validation data after this epoch; absent without it. */
  valLosses?: Record<string, number>;
}

/**
 * onEvent's answer to a progress or epoch event (native/binding/job.h
 * EventGate): the training thread takes no further step (after an epoch
 * event) or one (after a progress event) until `hold` settles; `stop` ends
 * the fit cleanly at this point.
 */
export interface NativeEventAnswer {
  hold?: PromiseLike<unknown>;
  stop?: boolean;
}

/** The sink of a native fit's events. */
export type NativeFitSink = (event: NativeFitEvent) => NativeEventAnswer | undefined;

export interface NativeCheckpointEvent {
  type: 'checkpoint';
  tensors: NamedTensor[];
  state: NativeTrainingState;
}

/** A latent search's codes [N, d], images [N, C, H, W] in [0, 1] and final objective per image [N]. */
export interface NativeSearchResult {
  z: HostTensor<'float32'>;
  images: HostTensor<'float32'>;
  loss: HostTensor<'float32'>;
}

/** A GAN fit's fixed-noise samples at `step` (GanFitOptions::sample_every). */
export interface NativeSamplesEvent {
  type: 'samples';
  step: number;
  images: HostTensor<'float32'>;
}

export type NativeFitEvent = NativeProgressEvent | NativeEpochEvent | NativeCheckpointEvent | NativeSamplesEvent;

/** The raw VAE handle of native/binding/vae_handle.cc. */
/** What every trainable model's handle has: its state in and out, facts, and its lifetime. */
export interface NativeModelHandle {
  exportState(optimizer: boolean): Promise<{ tensors: NamedTensor[]; state: NativeTrainingState }>;
  importState(
    tensors: { name: string; data: AnyTypedArray; shape: number[] }[],
    state: NativeTrainingState,
  ): Promise<void>;
  info(): { parameterCount: number; device: string; state: NativeTrainingState; busy: boolean };
  cancel(): void;
  dispose(): void;
}

export interface NativeVaeHandle extends NativeModelHandle {
  readonly [handleBrand]: 'VaeHandle';
  fit(images: TensorArg, options: object, onEvent: NativeFitSink): Promise<void>;
  evaluate(images: TensorArg, batchSize: number): Promise<{ nelbo: number; recon: number; kl: number }>;
  iwae(images: TensorArg, k: number): Promise<number>;
  encode(images: TensorArg): Promise<{ mu: HostTensor<'float32'>; logvar: HostTensor<'float32'> }>;
  decode(z: TensorArg): Promise<HostTensor<'float32'>>;
  reconstruct(images: TensorArg): Promise<HostTensor<'float32'>>;
  sample(n: number, seed: number): Promise<HostTensor<'float32'>>;
  interpolate(from: TensorArg, to: TensorArg, steps: number): Promise<HostTensor<'float32'>>;
  search(
    images: TensorArg,
    mask: TensorArg | undefined,
    options: LatentSearchConfig,
    onEvent?: (event: NativeSearchEvent) => void,
  ): Promise<NativeSearchResult>;
}

/** What the text VAE's evaluate() measures (native/train/text_vae_trainer.h TextVaeEvaluation). */
export interface NativeTextVaeEvaluation {
  nelbo: number;
  recon: number;
  kl: number;
  iwae: number;
  strings: number;
  /** Characters plus one EOS per string. */
  tokens: number;
  activeUnits: number;
  muVariance: number[];
}

/** The raw text VAE handle of native/binding/text_vae_handle.cc; tokens are int32 rows [N, maxLength + 1]. */
export interface NativeTextVaeHandle extends NativeModelHandle {
  readonly [handleBrand]: 'TextVaeHandle';
  fit(tokens: TensorArg, options: object, onEvent: NativeFitSink): Promise<void>;
  evaluate(tokens: TensorArg, k: number): Promise<NativeTextVaeEvaluation>;
  encode(tokens: TensorArg): Promise<{ mu: HostTensor<'float32'>; logvar: HostTensor<'float32'> }>;
  decode(z: TensorArg, temperature: number, maxLength: number, seed: number): Promise<HostTensor<'int32'>>;
  sample(n: number, temperature: number, maxLength: number, seed: number): Promise<HostTensor<'int32'>>;
  reconstruct(tokens: TensorArg): Promise<HostTensor<'int32'>>;
  repair(tokens: TensorArg, rounds: number): Promise<HostTensor<'int32'>>;
}

/** A TextGAN's inversion (native/train/text_gan_trainer.h TextInversion). */
export interface NativeTextInversion {
  /** The codes found, [N, latentDim]. */
  z: HostTensor<'float32'>;
  /** The final mean cross-entropy per known position of each string, nats, [N]. */
  loss: HostTensor<'float32'>;
  /** The token rows with each unknown position set to G's likeliest character, int32 [N, maxLength + 1]. */
  filled: HostTensor<'int32'>;
}

/** The raw text GAN handle of native/binding/text_gan_handle.cc; tokens are int32 rows [N, maxLength + 1]. */
export interface NativeTextGanHandle extends NativeModelHandle {
  readonly [handleBrand]: 'TextGanHandle';
  fit(tokens: TensorArg, options: object, onEvent: NativeFitSink): Promise<void>;
  decode(z: TensorArg): Promise<HostTensor<'int32'>>;
  sample(n: number, seed: number): Promise<HostTensor<'int32'>>;
  invert(tokens: TensorArg, known: TensorArg, options: object): Promise<NativeTextInversion>;
}

/** A latent search's progress, in descent steps (native/binding/model_core.h search_progress). */
export interface NativeSearchEvent {
  type: 'search';
  done: number;
  total: number;
}

/** The raw GAN handle of native/binding/gan_handle.cc. */
export interface NativeGanHandle extends NativeModelHandle {
  readonly [handleBrand]: 'GanHandle';
  fit(images: TensorArg, labels: TensorArg | undefined, options: object, onEvent: NativeFitSink): Promise<void>;
  sample(n: number, seed: number, labels: TensorArg | undefined, batchStats: boolean): Promise<HostTensor<'float32'>>;
  generate(z: TensorArg, labels: TensorArg | undefined, batchStats: boolean): Promise<HostTensor<'float32'>>;
  discriminate(images: TensorArg, labels: TensorArg | undefined): Promise<HostTensor<'float32'>>;
  search(
    images: TensorArg,
    mask: TensorArg | undefined,
    labels: TensorArg | undefined,
    options: LatentSearchConfig,
    onEvent?: (event: NativeSearchEvent) => void,
  ): Promise<NativeSearchResult>;
}

/** The raw translator handle of native/binding/translator_handle.cc. */
export interface NativeTranslatorHandle extends NativeModelHandle {
  readonly [handleBrand]: 'TranslatorHandle';
  fit(targets: TensorArg, inputs: TensorArg | undefined, options: object, onEvent: NativeFitSink): Promise<void>;
  /** Outputs [N * samples (vae) or N, C, H, W] in [0, 1]. */
  apply(inputs: TensorArg, samples: number, seed: number): Promise<HostTensor<'float32'>>;
  makeInputs(targets: TensorArg, seed: number): Promise<HostTensor<'float32'>>;
  /** Bicubic upsampling for superres; null where the task has no baseline. */
  baseline(inputs: TensorArg): Promise<HostTensor<'float32'> | null>;
  /** [C, H, W] of one input as the user gives it. */
  inputShape(): [number, number, number];
}

/** The raw classifier handle of native/binding/classifier_handle.cc. */
export interface NativeClassifierHandle extends NativeModelHandle {
  readonly [handleBrand]: 'ClassifierHandle';
  fit(images: TensorArg, labels: TensorArg, options: object, onEvent: NativeFitSink): Promise<void>;
  accuracy(images: TensorArg, labels: TensorArg): Promise<number>;
  features(images: TensorArg): Promise<HostTensor<'float64'>>;
  probabilities(images: TensorArg): Promise<HostTensor<'float32'>>;
}

export interface NativeRuntimeInfo {
  torchVersion: string;
  cudaBuilt: boolean;
  cudaAvailable: boolean;
  cudaDeviceCount: number;
  intraOpThreads: number;
  fitThreads: number;
  interOpThreads: number;
  parallelInfo: string;
  buildConfig: string;
  /** Filled only by a CUDA build of the addon. */
  cudaDevices: { name: string; totalMemory: number; capability: string }[];
  /** Whether this build has c10d's Gloo backend for data-parallel training. */
  distributed: boolean;
  /** How the TCPStore rendezvous talks: libtorch's libuv server, or plain sockets where the build has no libuv. */
  storeTransport: 'libuv' | 'sockets';
  /** Why that transport (e.g. "this libtorch was built without libuv", "USE_LIBUV=0"). */
  storeTransportReason: string;
  /** libtorch's CPU convolutions give wrong input gradients for few output channels (measured; native/models/safe_conv.h). */
  cpuConvGradFaulty: boolean;
}

export interface NativeBinding {
  VaeHandle: new (config: object, device: string, seed: number) => NativeVaeHandle;
  TextVaeHandle: new (config: object, device: string, seed: number) => NativeTextVaeHandle;
  TextGanHandle: new (config: object, device: string, seed: number) => NativeTextGanHandle;
  GanHandle: new (config: object, device: string, seed: number) => NativeGanHandle;
  TranslatorHandle: new (config: object, device: string, seed: number) => NativeTranslatorHandle;
  ClassifierHandle: new (config: object, device: string, seed: number) => NativeClassifierHandle;
  frechetDistance(a: TensorArg, b: TensorArg): number;
  precisionRecall(
    real: TensorArg,
    fake: TensorArg,
    k: number,
    rounds: number,
    seed: number,
  ): Promise<{
    precision: number;
    recall: number;
    precisionLow: number;
    precisionHigh: number;
    recallLow: number;
    recallHigh: number;
  }>;
  frechetBootstrap(a: TensorArg, b: TensorArg, rounds: number, seed: number): Promise<{ low: number; high: number }>;
  kernelDistance(
    real: TensorArg,
    fake: TensorArg,
    subsets: number,
    subsetSize: number,
    seed: number,
  ): Promise<{ kid: number; low: number; high: number }>;
  setErrorClass(cls: typeof GentorchError): void;
  runtimeInfo(): NativeRuntimeInfo;
  setThreads(threads: number): void;
  checkDevice(spec: string): string;
  /** Typed array -> tensor -> typed array; for the bridge's tests. */
  tensorRoundTrip(t: TensorArg): HostTensor;
  /** The C++ option structs' own defaults under lib/ names; test/native/defaults.test.ts holds them to *_DEFAULTS. */
  nativeDefaults(): Record<
    | 'vaeConfig'
    | 'vaeFit'
    | 'textVaeConfig'
    | 'textVaeFit'
    | 'textGanConfig'
    | 'textGanFit'
    | 'textGanInvert'
    | 'ganConfig'
    | 'ganFit'
    | 'translatorConfig'
    | 'translatorFit'
    | 'classifierConfig'
    | 'classifierFit'
    | 'latentSearch',
    Record<string, string | number | boolean>
  >;
  /** Returns freed heap to the system (glibc malloc_trim); true when something was released. */
  releaseMemory(): boolean;
  /** Largest errors of a float32 convolution path against a float64 conv2d; for native/models/safe_conv.h's tests. */
  convCheck(opts: {
    path: 'im2col' | 'padded' | 'matmul' | 'module' | 'libtorch' | 'transpose';
    inChannels: number;
    outChannels: number;
    kernel: number;
    stride: number;
    padding: number;
    /** Input height and width (default 12; 1 for "transpose"). */
    size?: number;
    seed: number;
  }): { forward: number; gradInput: number; gradWeight: number; gradBias: number };
}

export type { DType };

let cached: NativeBinding | undefined;
let loadedFrom: string | undefined;

const prebuildDir = () => join(PACKAGE_ROOT, 'prebuilds', `${process.platform}-${process.arch}`);

/**
 * Candidate binaries in order: what node-gyp-build picks (a local build in
 * build/ wins over a prebuild in prebuilds/, so a developer's fresh build is
 * used), then any prebuild for this platform, in case that build fails to load.
 */
function candidates(): string[] {
  const gypBuild = require('node-gyp-build') as { resolve(dir: string): string };
  const out: string[] = [];
  try {
    out.push(gypBuild.resolve(PACKAGE_ROOT));
  } catch {
    // none found by node-gyp-build; the prebuild scan below may still find one
  }
  const dir = prebuildDir();
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.node') && !out.includes(join(dir, f))) out.push(join(dir, f));
    }
  }
  return out;
}

/**
 * Settings read by libraries the addon pulls in, so they must be in the
 * environment before it loads (a user's own values win):
 * - OMP_WAIT_POLICY: spinning OpenMP workers starve OpenBLAS's threads on few cores;
 * - UCX_VFS_ENABLE: Debian 13's libtorch links Open MPI, which loads UCX,
 *   and UCX starts a thread at load for its introspection file system
 *   (seen with UCX_LOG_LEVEL=debug); gentorch never runs MPI, so it is off.
 */
const LOAD_ENV: Readonly<Record<string, string>> = {
  OMP_WAIT_POLICY: 'PASSIVE',
  UCX_VFS_ENABLE: 'n',
};

/** Loads the addon once, with LOAD_ENV in the environment first. */
export function native(): NativeBinding {
  if (cached) return cached;
  for (const [k, v] of Object.entries(LOAD_ENV)) process.env[k] ??= v;
  const paths = candidates();
  const failures: LoadFailure[] = [];
  for (const path of paths) {
    try {
      cached = require(path) as NativeBinding;
      loadedFrom = path;
      break;
    } catch (err) {
      failures.push({ path, error: err as Error });
    }
  }
  if (!cached) {
    const facts = nativeFacts(PACKAGE_ROOT, prebuildDir());
    throw new GentorchError('E_NATIVE', nativeHelp(failures, facts), { cause: failures[0]?.error });
  }
  cached.setErrorClass(GentorchError);
  return cached;
}

/** Path of the addon binary that was loaded (after native()). */
export function nativePath(): string | undefined {
  return loadedFrom;
}
