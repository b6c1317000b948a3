/** `gentorch export CHECKPOINT --format onnx [--part decoder|encoder|generator] --out FILE [--force]`. */
import { GentorchError } from '../errors.js';
import { ONNX_OPSET, writeOnnx, type OnnxIo, type OnnxPart } from '../io/onnx.js';
import { readCheckpoint } from '../models/checkpoint.js';

export interface ExportFlags {
  format: string;
  part?: string;
  out: string;
  force?: boolean;
}

function shapeText(v: OnnxIo): string {
  return `${v.name} [${v.shape.join(', ')}]${v.dtype === 'int64' ? ' int64' : ''}`;
}

export async function exportCommand(checkpoint: string, flags: ExportFlags): Promise<void> {
  // --format and --part are commander choices (main.ts); a part the model has not is buildOnnx's E_CONFIG.
  const ckpt = await readCheckpoint(checkpoint);
  if (ckpt.model !== 'vae' && ckpt.model !== 'gan')
    throw new GentorchError('E_CONFIG', `${checkpoint} holds a ${ckpt.model}; ONNX export takes a VAE or a GAN`);
  const file = await writeOnnx(flags.out, ckpt, { part: flags.part as OnnxPart | undefined, overwrite: !!flags.force });
  const mb = (file.bytes / 1e6).toFixed(2);
  process.stdout.write(
    `gentorch: wrote the ${file.part} of ${checkpoint} to ${file.path} (ONNX opset ${ONNX_OPSET}, ${mb} MB): ` +
      `${file.inputs.map(shapeText).join(', ')} -> ${file.outputs.map(shapeText).join(', ')}\n`,
  );
}
