/**
 * ONNX export: a VAE's decoder or encoder, or a GAN's generator, as an ONNX
 * model (opset 17) that onnxruntime (node, web, python, C++) runs without
 * gentorch. The graph is written here, layer by layer, from the same layout
 * the C++ networks build (native/models/vae.cc, gan.cc) and the weights they
 * hold under their PyTorch names; onnx-proto encodes it. By hand because
 * libtorch's C++ API has no ONNX exporter (only Python's torch.onnx has).
 *
 * Each graph gives what gentorch's own call gives: decoder = VAE.decode
 * (Bernoulli means, or the Gaussian means for output 'linear'), encoder =
 * VAE.encode (mu and logvar of images in [0, 1]), generator = GAN.generate
 * (images in [0, 1]; BatchNorm on its running statistics; G's moving
 * average when the GAN keeps one; a conditional GAN takes the label as a
 * second input).
 */
import { existsSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { GentorchError, invalid } from '../errors.js';
import { writeFileAtomic } from './fsutil.js';
import { rejectUnknownKeys } from '../config/validate.js';
import { VERSION } from '../version.js';

const { onnx } = onnxProto;

export type OnnxPart = 'decoder' | 'encoder' | 'generator';
export const ONNX_PARTS: Readonly<Record<'vae' | 'gan', readonly OnnxPart[]>> = {
  vae: ['decoder', 'encoder'],
  gan: ['generator'],
};
/** Every part some model exports (the CLI's --part choices). */
export const ONNX_PART_NAMES: readonly OnnxPart[] = [...new Set(Object.values(ONNX_PARTS).flat())];
export const ONNX_OPSET = 17;

/** One input or output of an exported graph; 'batch' is the free first dimension. */
export interface OnnxIo {
  name: string;
  dtype: 'float32' | 'int64';
  shape: (number | 'batch')[];
}

export interface OnnxExport {
  /** The encoded ModelProto. */
  bytes: Uint8Array;
  part: OnnxPart;
  inputs: OnnxIo[];
  outputs: OnnxIo[];
}

/** What an export reads: the model kind, its config and its named float tensors. */
export interface ExportSource {
  /** 'vae' or 'gan' (a checkpoint's `model`). */
  model: string;
  config: Record<string, unknown>;
  tensors: { name: string; data: ArrayLike<number | bigint>; shape: number[] }[];
  classNames?: string[];
}

type Weights = Map<string, { data: Float32Array; shape: number[] }>;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const A = onnx.AttributeProto.AttributeType;

type Attr = number | number[] | string;

/** Nodes and initializers of one graph, with fresh names for the values between them. */
class Graph {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  #count = 0;

  constructor(private readonly weights: Weights) {}

  /** A weight of the model as an initializer, by its checkpoint name; E_CHECKPOINT when missing. */
  weight(name: string): string {
    const t = this.weights.get(name);
    if (!t) throw new GentorchError('E_CHECKPOINT', `The model has no tensor "${name}" that its config implies`);
    return this.#init(name, t.shape, t.data);
  }

  has(name: string): boolean {
    return this.weights.has(name);
  }

  shape(name: string): number[] {
    return this.weights.get(name)?.shape ?? [];
  }

  floats(name: string, shape: number[], values: Float32Array): string {
    return this.#init(name, shape, values);
  }

  ints(name: string, values: number[]): string {
    this.initializers.push(
      onnx.TensorProto.create({ name, dims: [values.length], dataType: INT64, int64Data: values }),
    );
    return name;
  }

  #init(name: string, shape: number[], data: Float32Array): string {
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push(onnx.TensorProto.create({ name, dims: shape, dataType: FLOAT, rawData: raw }));
    return name;
  }

  /** Adds one node; returns its (first) output's name, or `out` when given. */
  op(type: string, inputs: string[], attrs: Record<string, Attr> = {}, out?: string): string {
    const name = out ?? `${type.toLowerCase()}_${this.#count++}`;
    const attribute = Object.entries(attrs).map(([key, v]) => attribute1(key, v));
    this.nodes.push(onnx.NodeProto.create({ opType: type, input: inputs, output: [name], name, attribute }));
    return name;
  }

  /** x @ W^T + b of a torch Linear `prefix` (weight [out, in]). */
  linear(x: string, prefix: string, out?: string): string {
    const inputs = [x, this.weight(`${prefix}.weight`)];
    if (this.has(`${prefix}.bias`)) inputs.push(this.weight(`${prefix}.bias`));
    return this.op('Gemm', inputs, { transB: 1 }, out);
  }

  /** A torch Conv2d or ConvTranspose2d `prefix`. */
  conv(x: string, prefix: string, o: { stride: number; padding: number; transposed?: boolean }, out?: string): string {
    const inputs = [x, this.weight(`${prefix}.weight`)];
    if (this.has(`${prefix}.bias`)) inputs.push(this.weight(`${prefix}.bias`));
    const k = this.shape(`${prefix}.weight`).slice(2);
    const attrs = {
      kernel_shape: k,
      strides: [o.stride, o.stride],
      pads: [o.padding, o.padding, o.padding, o.padding],
    };
    return this.op(o.transposed ? 'ConvTranspose' : 'Conv', inputs, attrs, out);
  }

  /** A torch BatchNorm (1d or 2d) `prefix` on its running statistics (eval mode). */
  batchNorm(x: string, prefix: string): string {
    const p = ['weight', 'bias', 'running_mean', 'running_var'].map((s) => this.weight(`${prefix}.${s}`));
    return this.op('BatchNormalization', [x, ...p], { epsilon: 1e-5 });
  }
}

function attribute1(name: string, v: Attr): InstanceType<typeof onnx.AttributeProto> {
  if (typeof v === 'string')
    return onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: A.INTS, ints: v });
  if (Number.isInteger(v) && name !== 'epsilon' && name !== 'alpha')
    return onnx.AttributeProto.create({ name, type: A.INT, i: v });
  return onnx.AttributeProto.create({ name, type: A.FLOAT, f: v });
}

function num(config: Record<string, unknown>, key: string): number {
  const v = config[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new GentorchError('E_CHECKPOINT', `config.${key} must be a non-negative integer but is ${JSON.stringify(v)}`);
  return v;
}

function str(config: Record<string, unknown>, key: string, fallback: string): string {
  const v = config[key] ?? fallback;
  if (typeof v !== 'string')
    throw new GentorchError('E_CHECKPOINT', `config.${key} must be a string but is ${JSON.stringify(v)}`);
  return v;
}

/** The image-shaped output [batch, C, H, W] of a flat [batch, C*H*W] value. */
function toImage(g: Graph, x: string, c: number, h: number, w: number, out?: string): string {
  return g.op('Reshape', [x, g.ints(`shape_${c}x${h}x${w}`, [-1, c, h, w])], {}, out);
}

function vaeDecoder(g: Graph, config: Record<string, unknown>): void {
  const [c, h, w] = [num(config, 'channels'), num(config, 'height'), num(config, 'width')];
  const linear = str(config, 'output', 'sigmoid') === 'linear';
  let x: string;
  if (str(config, 'arch', 'mlp') === 'conv') {
    x = g.op('Relu', [g.linear('z', 'dec_fc')]);
    x = g.op('Reshape', [x, g.ints('shape_features', [-1, 64, h / 4, w / 4])]);
    x = g.op('Relu', [g.conv(x, 'dec_conv1', { stride: 2, padding: 1, transposed: true })]);
    x = g.conv(x, 'dec_conv2', { stride: 2, padding: 1, transposed: true }, linear ? 'image' : undefined);
  } else {
    x = g.op('Relu', [g.linear('z', 'fc3')]);
    x = toImage(g, g.linear(x, 'fc4'), c, h, w, linear ? 'image' : undefined);
  }
  if (!linear) g.op('Sigmoid', [x], {}, 'image');
}

function vaeEncoder(g: Graph, config: Record<string, unknown>): void {
  let h: string;
  if (str(config, 'arch', 'mlp') === 'conv') {
    h = g.op('Relu', [g.conv('image', 'enc_conv1', { stride: 2, padding: 1 })]);
    h = g.op('Relu', [g.conv(h, 'enc_conv2', { stride: 2, padding: 1 })]);
    h = g.op('Flatten', [h], { axis: 1 });
    g.linear(h, 'fc_mu', 'mu');
    g.linear(h, 'fc_logvar', 'logvar');
  } else {
    h = g.op('Relu', [g.linear(g.op('Flatten', ['image'], { axis: 1 }), 'fc1')]);
    g.linear(h, 'fc21', 'mu');
    g.linear(h, 'fc22', 'logvar');
  }
}

/** G's output activation, then tanh's [-1, 1] mapped to [0, 1] as GAN.generate does. */
function ganOutput(g: Graph, x: string, output: string): void {
  if (output === 'sigmoid') {
    g.op('Sigmoid', [x], {}, 'image');
  } else if (output === 'tanh') {
    const half = g.floats('half', [], Float32Array.of(0.5));
    g.op('Add', [g.op('Mul', [g.op('Tanh', [x]), half]), half], {}, 'image');
  } else {
    g.op('Identity', [x], {}, 'image');
  }
}

/** The generator, layer for layer as native/models/gan.cc builds it (Sequential indices are the names). */
function ganGenerator(g: Graph, config: Record<string, unknown>, prefix: string): void {
  const [c, h, w] = [num(config, 'channels'), num(config, 'height'), num(config, 'width')];
  const classes = num(config, 'numClasses');
  const output = str(config, 'output', 'sigmoid');
  let x = 'z';
  if (classes > 0) {
    // one_hot(label) as a row of the identity matrix: Gather works in every runtime.
    const eye = new Float32Array(classes * classes);
    for (let i = 0; i < classes; i++) eye[i * classes + i] = 1;
    const onehot = g.op('Gather', [g.floats('one_hot', [classes, classes], eye), 'label'], { axis: 0 });
    x = g.op('Concat', [x, onehot], { axis: 1 });
  }
  const at = (i: number): string => `${prefix}main.${i}`;
  let i = 0;
  if (str(config, 'arch', 'mlp') === 'mlp') {
    for (let l = 0; l < num(config, 'hiddenLayers'); l++) {
      x = g.op('Relu', [g.linear(x, at(i))]);
      i += 2;
    }
    ganOutput(g, toImage(g, g.linear(x, at(i)), c, h, w), output);
    return;
  }
  const bnRelu = (v: string): string => {
    const y = g.op('Relu', [g.batchNorm(v, at(i + 1))]);
    i += 3;
    return y;
  };
  if (h === 28) {
    const f = num(config, 'features');
    x = bnRelu(g.linear(x, at(i)));
    x = bnRelu(g.linear(x, at(i)));
    x = g.op('Reshape', [x, g.ints('shape_7x7', [-1, 2 * f, 7, 7])]);
    i += 1; // Unflatten
    const scales = g.floats('scales_2x', [4], Float32Array.of(1, 1, 2, 2));
    const up = (v: string): string =>
      g.op('Resize', [v, '', scales], {
        mode: 'nearest',
        coordinate_transformation_mode: 'asymmetric',
        nearest_mode: 'floor',
      });
    for (let s = 0; s < 2; s++) {
      x = up(x);
      i += 1; // Upsample
      x = bnRelu(g.conv(x, at(i), { stride: 1, padding: 1 }));
    }
    ganOutput(g, g.conv(x, at(i), { stride: 1, padding: 1 }), output);
    return;
  }
  x = g.op('Unsqueeze', [x, g.ints('axes_2_3', [2, 3])]);
  x = bnRelu(g.conv(x, at(i), { stride: 1, padding: 0, transposed: true }));
  while (g.has(`${at(i + 1)}.running_mean`)) x = bnRelu(g.conv(x, at(i), { stride: 2, padding: 1, transposed: true }));
  ganOutput(g, g.conv(x, at(i), { stride: 2, padding: 1, transposed: true }), output);
}

function floatWeights(tensors: ExportSource['tensors']): Weights {
  const out: Weights = new Map();
  for (const t of tensors) {
    if (t.data instanceof Float32Array) out.set(t.name, { data: t.data, shape: t.shape });
    else if (t.data instanceof Float64Array) out.set(t.name, { data: Float32Array.from(t.data), shape: t.shape });
  }
  return out;
}

function io(name: string, dtype: OnnxIo['dtype'], shape: OnnxIo['shape']): InstanceType<typeof onnx.ValueInfoProto> {
  const dim = shape.map((d) => (d === 'batch' ? { dimParam: 'batch' } : { dimValue: d }));
  const elemType = dtype === 'int64' ? INT64 : FLOAT;
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim } } } });
}

/** The ONNX model of one part of a VAE or GAN; E_CONFIG for a part the model has not. */
export function buildOnnx(source: ExportSource, part?: OnnxPart): OnnxExport {
  const kind = source.model;
  if (kind !== 'vae' && kind !== 'gan')
    throw new GentorchError('E_CONFIG', `ONNX export takes a VAE or a GAN but received a ${kind}`);
  const chosen = part ?? ONNX_PARTS[kind][0];
  if (!ONNX_PARTS[kind].includes(chosen))
    throw new GentorchError(
      'E_CONFIG',
      `Expected part ${ONNX_PARTS[kind].join(' or ')} for a ${kind.toUpperCase()} but received ${JSON.stringify(part)}`,
    );
  const cfg = source.config;
  const weights = floatWeights(source.tensors);
  const g = new Graph(weights);
  const image: OnnxIo['shape'] = ['batch', num(cfg, 'channels'), num(cfg, 'height'), num(cfg, 'width')];
  const latent: OnnxIo['shape'] = ['batch', num(cfg, 'latentDim')];
  let inputs: OnnxIo[];
  let outputs: OnnxIo[];
  if (chosen === 'decoder') {
    vaeDecoder(g, cfg);
    inputs = [{ name: 'z', dtype: 'float32', shape: latent }];
    outputs = [{ name: 'image', dtype: 'float32', shape: image }];
  } else if (chosen === 'encoder') {
    vaeEncoder(g, cfg);
    inputs = [{ name: 'image', dtype: 'float32', shape: image }];
    outputs = [
      { name: 'mu', dtype: 'float32', shape: latent },
      { name: 'logvar', dtype: 'float32', shape: latent },
    ];
  } else {
    // GAN.generate draws from G's moving average when the GAN keeps one.
    const ema = [...weights.keys()].some((k) => k.startsWith('generator_ema.'));
    ganGenerator(g, cfg, ema ? 'generator_ema.' : 'generator.');
    inputs = [{ name: 'z', dtype: 'float32', shape: latent }];
    if (num(cfg, 'numClasses') > 0) inputs.push({ name: 'label', dtype: 'int64', shape: ['batch'] });
    outputs = [{ name: 'image', dtype: 'float32', shape: image }];
  }
  const meta: Record<string, string> = {
    'gentorch.model': kind,
    'gentorch.part': chosen,
    'gentorch.config': JSON.stringify(cfg),
  };
  if (source.classNames) meta['gentorch.classes'] = JSON.stringify(source.classNames);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'gentorch',
    producerVersion: VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
    graph: {
      name: `gentorch_${kind}_${chosen}`,
      node: g.nodes,
      initializer: g.initializers,
      input: inputs.map((v) => io(v.name, v.dtype, v.shape)),
      output: outputs.map((v) => io(v.name, v.dtype, v.shape)),
    },
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), part: chosen, inputs, outputs };
}

/** A model's tensors for an export, fetched only once the options are checked. */
type Source = ExportSource | (() => Promise<ExportSource>);

const sourceOf = async (source: Source): Promise<ExportSource> => (typeof source === 'function' ? source() : source);

function checkOptions(options: unknown, keys: string[], what: string): void {
  if (options === null || typeof options !== 'object') throw invalid('an object', 'options', options);
  rejectUnknownKeys(options, keys, what);
}

/** The ONNX model of one part in memory (a model's onnx()); options checked first. */
export async function onnxOf(source: Source, options: { part?: OnnxPart } = {}): Promise<OnnxExport> {
  checkOptions(options, ['part'], 'onnx');
  return buildOnnx(await sourceOf(source), options.part);
}

/**
 * Writes `buildOnnx(source, part)` to `path` atomically (a model's
 * exportOnnx(), the CLI's export); refuses to replace a file unless `overwrite`.
 */
export async function writeOnnx(
  path: string,
  source: Source,
  options: { part?: OnnxPart; overwrite?: boolean } = {},
): Promise<OnnxFile> {
  if (typeof path !== 'string' || path.length === 0) throw invalid('a file path', 'path', path);
  checkOptions(options, ['part', 'overwrite'], 'exportOnnx');
  const built = buildOnnx(await sourceOf(source), options.part);
  if (options.overwrite === false && existsSync(path))
    throw new GentorchError('E_IO', `Refusing to overwrite ${path}; pass overwrite (--force) to replace it`);
  await writeFileAtomic(path, built.bytes);
  return { path, part: built.part, inputs: built.inputs, outputs: built.outputs, bytes: built.bytes.byteLength };
}

/** What exportOnnx() wrote. */
export interface OnnxFile {
  path: string;
  part: OnnxPart;
  inputs: OnnxIo[];
  outputs: OnnxIo[];
  /** Size of the file in bytes. */
  bytes: number;
}
