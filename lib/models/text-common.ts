/**
 * What the text models (TextVAE, TextGAN) share: lines in, the vocabulary's
 * check against the config, the checkpoint with its vocabulary, and latent
 * codes' shape check.
 */
import { writeCheckpoint, type ModelKind } from './checkpoint.js';
import { fromLines, type TextDataset } from '../data/text.js';
import { Vocabulary } from '../data/vocabulary.js';
import { GentorchError, invalid } from '../errors.js';
import type { NativeCheckpointEvent, NativeTrainingState } from '../native.js';
import { VERSION } from '../version.js';

/** Lines of text: strings (one item each) or a TextDataset (datasets.words(), readTextFile()). */
export type TextLines = readonly string[] | TextDataset;

/** The checked lines of TextLines; E_DATA for none, or for an item that is not a one-line string. */
export function linesOf(data: TextLines, name: string): string[] {
  const lines =
    data !== null && typeof data === 'object' && !Array.isArray(data) && 'lines' in data
      ? (data as TextDataset).lines
      : (data as readonly string[]);
  const checked = fromLines(lines, name).lines;
  if (checked.length === 0)
    throw new GentorchError('E_DATA', `Expected at least one line in ${name} but received none`);
  return checked;
}

/**
 * The config with vocabSize set from `vocabulary`: E_CONFIG when it is not a
 * Vocabulary, or when the config names another size.
 */
export function withVocabulary<C extends { vocabSize: number }>(config: C, vocabulary: unknown): C {
  if (!(vocabulary instanceof Vocabulary)) throw invalid('a Vocabulary', 'vocabulary', vocabulary);
  if (config.vocabSize !== 0 && config.vocabSize !== vocabulary.size)
    throw invalid(`${vocabulary.size} (the vocabulary's size) or 0`, 'vocabSize', config.vocabSize);
  return { ...config, vocabSize: vocabulary.size };
}

/** Latent codes as the API takes them: { data: Float32Array, shape }, else E_SHAPE. */
export function checkCodes(z: unknown): { data: Float32Array; shape: number[] } {
  const c = z as { data?: unknown; shape?: unknown } | null;
  if (!c || typeof c !== 'object' || !(c.data instanceof Float32Array) || !Array.isArray(c.shape))
    throw invalid('{ data: Float32Array, shape }', 'z', z, 'E_SHAPE');
  return { data: c.data, shape: c.shape as number[] };
}

/** What a text model's checkpoint holds beside its tensors. */
export interface TextCheckpointMeta {
  kind: ModelKind;
  config: object;
  vocabulary: Vocabulary;
  training: NativeTrainingState;
  fit: object | undefined;
}

/** Writes a text model's checkpoint, its vocabulary in __metadata__, atomically. */
export async function writeTextCheckpoint(
  path: string,
  meta: TextCheckpointMeta,
  tensors: NativeCheckpointEvent['tensors'],
  overwrite = true,
): Promise<void> {
  await writeCheckpoint(
    path,
    {
      model: meta.kind,
      config: { ...meta.config },
      training: meta.training,
      fit: meta.fit && { ...meta.fit },
      gentorchVersion: VERSION,
      vocabulary: meta.vocabulary.toJSON(),
    },
    tensors,
    overwrite,
  );
}
