/**
 * Checkpoints: safetensors files whose tensor names follow the PyTorch module
 * paths (fc1.weight, ...), so a Python user loads the weights straight into
 * the reference module; optimizer moments under "optim.*" for resume; and in
 * `__metadata__` the format version, the model config and the training
 * state, so load() needs no other input. Written atomically.
 */
import { existsSync } from 'node:fs';
import { GentorchError } from '../errors.js';
import type { NativeTrainingState, NamedTensor } from '../native.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import type { HostTensor } from '../tensor.js';

export const FORMAT = 'gentorch';
export const FORMAT_VERSION = 1;

export type ModelKind = 'vae' | 'gan' | 'classifier' | 'translator' | 'textvae' | 'textgan';
export const MODEL_KINDS: readonly ModelKind[] = ['vae', 'gan', 'classifier', 'translator', 'textvae', 'textgan'];

/** What __metadata__ holds, parsed. */
export interface CheckpointMeta {
  model: ModelKind;
  config: Record<string, unknown>;
  training: NativeTrainingState;
  /** The options of the last fit (lr, batchSize...), for resume. */
  fit?: Record<string, unknown>;
  gentorchVersion?: string;
  /** Names of the data's classes, index = label (an image folder's sub-folders). */
  classNames?: string[];
  /**
   * A text model's character vocabulary (Vocabulary.toJSON()) when writing;
   * its JSON text as read, for Vocabulary.fromJSON() to check.
   */
  vocabulary?: unknown;
}

export interface Checkpoint extends CheckpointMeta {
  tensors: { name: string; data: HostTensor['data']; shape: number[] }[];
}

/** Writes a checkpoint atomically; refuses to replace a file unless `overwrite`. */
export async function writeCheckpoint(
  path: string,
  meta: CheckpointMeta,
  tensors: NamedTensor[],
  overwrite = true,
): Promise<void> {
  if (!overwrite && existsSync(path)) {
    throw new GentorchError('E_IO', `Refusing to overwrite ${path}; pass force to replace it`);
  }
  const record: Record<string, HostTensor> = {};
  for (const t of tensors) record[t.name] = { dtype: t.dtype, shape: t.shape, data: t.data } as HostTensor;
  const metadata: Record<string, string> = {
    format: FORMAT,
    format_version: String(FORMAT_VERSION),
    model: meta.model,
    config: JSON.stringify(meta.config),
    training: JSON.stringify(meta.training),
  };
  if (meta.fit) metadata.fit = JSON.stringify(meta.fit);
  if (meta.gentorchVersion) metadata.gentorch_version = meta.gentorchVersion;
  if (meta.classNames) metadata.classes = JSON.stringify(meta.classNames);
  if (meta.vocabulary !== undefined) metadata.vocabulary = JSON.stringify(meta.vocabulary);
  await writeSafetensors(path, record, metadata);
}

function parseJson(path: string, key: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined)
    throw new GentorchError('E_CHECKPOINT', `${path}: __metadata__ has no "${key}"; not a gentorch checkpoint`);
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new GentorchError('E_CHECKPOINT', `${path}: __metadata__ "${key}" is not a JSON object`);
  }
}

function checkState(path: string, raw: Record<string, unknown>): NativeTrainingState {
  const out: Record<string, number> = {};
  for (const key of ['seed', 'step', 'epoch', 'epochStep']) {
    const v = raw[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new GentorchError(
        'E_CHECKPOINT',
        `${path}: training.${key} must be a non-negative integer but is ${JSON.stringify(v)}`,
      );
    }
    out[key] = v;
  }
  const permSeed = raw.permSeed ?? '0';
  if (typeof permSeed !== 'string' || !/^-?\d{1,20}$/.test(permSeed)) {
    throw new GentorchError(
      'E_CHECKPOINT',
      `${path}: training.permSeed must be a decimal integer string but is ${JSON.stringify(permSeed)}`,
    );
  }
  return { ...out, permSeed } as unknown as NativeTrainingState;
}

/** Reads and checks a checkpoint; never executes anything from the file. */
export async function readCheckpoint(path: string): Promise<Checkpoint> {
  const { tensors, metadata } = await readSafetensors(path);
  if (metadata.format !== FORMAT) {
    throw new GentorchError(
      'E_CHECKPOINT',
      `${path}: not a gentorch checkpoint (__metadata__.format is ${JSON.stringify(metadata.format)})`,
    );
  }
  const version = Number(metadata.format_version);
  if (!Number.isInteger(version) || version < 1 || version > FORMAT_VERSION) {
    throw new GentorchError(
      'E_CHECKPOINT',
      `${path}: format version ${JSON.stringify(metadata.format_version)} is not supported (this gentorch reads 1..${FORMAT_VERSION})`,
    );
  }
  if (!MODEL_KINDS.includes(metadata.model as ModelKind)) {
    throw new GentorchError('E_CHECKPOINT', `${path}: unknown model kind ${JSON.stringify(metadata.model)}`);
  }
  const config = parseJson(path, 'config', metadata.config);
  const training = checkState(path, parseJson(path, 'training', metadata.training));
  const fit = metadata.fit !== undefined ? parseJson(path, 'fit', metadata.fit) : undefined;
  const list = [...tensors.entries()].map(([name, t]) => ({ name, data: t.data, shape: t.shape }));
  let classNames: string[] | undefined;
  if (metadata.classes !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(metadata.classes);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((c) => typeof c === 'string')) {
      throw new GentorchError('E_CHECKPOINT', `${path}: __metadata__ "classes" is not a JSON array of strings`);
    }
    classNames = parsed as string[];
  }
  return {
    model: metadata.model as ModelKind,
    config,
    training,
    fit,
    gentorchVersion: metadata.gentorch_version,
    classNames,
    vocabulary: metadata.vocabulary,
    tensors: list,
  };
}

/**
 * Builds a model of `kind` from a checkpoint: `make` constructs it from the
 * stored config, `restore` loads the tensors and state. Failures name the file:
 * a config the model rejects, or tensors that do not fit it, are E_CHECKPOINT.
 */
export async function rebuild<M extends { dispose(): void }>(
  path: string,
  ckpt: Checkpoint,
  kind: ModelKind,
  make: () => M,
  restore: (model: M) => Promise<void>,
): Promise<M> {
  if (ckpt.model !== kind) throw new GentorchError('E_CHECKPOINT', `${path}: holds a ${ckpt.model}, not a ${kind}`);
  let model: M;
  try {
    model = make();
  } catch (err) {
    if (err instanceof GentorchError && err.code === 'E_CONFIG')
      throw new GentorchError('E_CHECKPOINT', `${path}: bad config: ${err.message}`);
    throw err;
  }
  try {
    await restore(model);
  } catch (err) {
    model.dispose();
    if (err instanceof GentorchError && err.code === 'E_CHECKPOINT')
      throw new GentorchError('E_CHECKPOINT', `${path}: ${err.message}`);
    throw err;
  }
  return model;
}
