/**
 * The text models' baseline: a character n-gram language model with
 * interpolated modified Kneser-Ney smoothing (Chen & Goodman 1998, KenLM's
 * default). A line is BOS^(order-1), its characters, EOS; the model predicts
 * every character and the EOS. Each order's counts are discounted by D1, D2
 * or D3+ (from that order's counts of counts) and the freed mass goes to the
 * next lower order, whose counts are continuation counts (how many distinct
 * symbols precede an n-gram; raw counts for n-grams that start with BOS, as
 * nothing but BOS precedes them). Below the unigrams sits the uniform
 * distribution over the characters, EOS and UNK, so every line, unknown
 * characters and unseen contexts included, has a finite cost.
 *
 * Bits per character count the EOS as a character: total -log2 p over every
 * character and each line's EOS, divided by (characters + lines). The text
 * VAE reports the same.
 */
import { checkPositiveInt, checkSeed } from '../config/validate.js';
import { mulberry32 } from '../data/synthetic.js';
import { fnv1a32, TEST_MODULUS } from '../data/text.js';
import { BOS, EOS, SPECIALS, Vocabulary } from '../data/vocabulary.js';
import { GentorchError, invalid } from '../errors.js';

export const NGRAM_DEFAULTS = {
  /** Characters of context + 1; chooseOrder picks 7 on words (README "Text data"). */
  order: 7,
  /** The orders chooseOrder tries. */
  orders: [1, 2, 3, 4, 5, 6, 7, 8] as readonly number[],
  /** The highest order fit() takes. */
  maxOrder: 12,
};

/** One order's counts: per n-gram, and per context its total and its n-grams seen once, twice, 3+ times. */
interface Level {
  grams: Map<string, number>;
  contexts: Map<string, [total: number, once: number, twice: number, more: number]>;
  /** The discounts for counts 1, 2 and 3+. */
  d: [number, number, number];
}

/** Modified KN discounts from counts of counts; plain KN's (or 0.5) where those are degenerate. */
function discounts(grams: Map<string, number>): [number, number, number] {
  const n = [0, 0, 0, 0, 0];
  for (const c of grams.values()) if (c <= 4) n[c]++;
  const y = n[1] / (n[1] + 2 * n[2]);
  const d: [number, number, number] = [1 - (2 * y * n[2]) / n[1], 2 - (3 * y * n[3]) / n[2], 3 - (4 * y * n[4]) / n[3]];
  if (d.every((di, i) => di > 0 && di < i + 1)) return d;
  return y > 0 && y < 1 ? [y, y, y] : [0.5, 0.5, 0.5];
}

function level(grams: Map<string, number>): Level {
  const contexts: Level['contexts'] = new Map();
  for (const [gram, c] of grams) {
    const h = gram.slice(0, -1);
    let s = contexts.get(h);
    if (!s) contexts.set(h, (s = [0, 0, 0, 0]));
    s[0] += c;
    s[c === 1 ? 1 : c === 2 ? 2 : 3]++;
  }
  return { grams, contexts, d: discounts(grams) };
}

/** A line as a string of symbol ids (one UTF-16 unit each), BOS-padded, EOS-ended. */
function symbols(vocab: Vocabulary, line: string, pad: number): string {
  return String.fromCharCode(BOS).repeat(pad) + String.fromCharCode(...vocab.ids(line), EOS);
}

function checkLines(lines: unknown, name: string): string[] {
  if (!Array.isArray(lines) || lines.some((l) => typeof l !== 'string'))
    throw invalid('an array of strings', name, lines, 'E_DATA');
  return lines as string[];
}

/**
 * The k-gram counts of lines for every k up to maxOrder, from which the
 * models of each order up to maxOrder are assembled without recounting.
 */
class NgramCounts {
  /** levels[k]: order k as the top order (raw counts); lower[k]: as a lower order (continuation counts). */
  readonly top: Level[] = [];
  readonly lower: Level[] = [];
  readonly longest: number;

  constructor(
    readonly vocab: Vocabulary,
    lines: readonly string[],
    readonly maxOrder: number,
  ) {
    const raw = Array.from({ length: maxOrder + 1 }, () => new Map<string, number>());
    let longest = 0;
    for (const line of lines) {
      const s = symbols(vocab, line, maxOrder - 1);
      longest = Math.max(longest, s.length - maxOrder);
      for (let i = maxOrder - 1; i < s.length; i++) {
        for (let k = 1; k <= maxOrder; k++) {
          const key = s.substring(i - k + 1, i + 1);
          const map = raw[k];
          map.set(key, (map.get(key) ?? 0) + 1);
        }
      }
    }
    this.longest = longest;
    const bos = String.fromCharCode(BOS);
    for (let k = 1; k <= maxOrder; k++) {
      this.top[k] = level(raw[k]);
      if (k === maxOrder) continue;
      const adjusted = new Map<string, number>();
      for (const gram of raw[k + 1].keys()) {
        const g = gram.substring(1);
        if (g[0] !== bos) adjusted.set(g, (adjusted.get(g) ?? 0) + 1);
      }
      for (const [g, c] of raw[k]) if (g[0] === bos) adjusted.set(g, c);
      this.lower[k] = level(adjusted);
    }
  }
}

/** The model of one order over counts of at least that order (chooseOrder's, without recounting). */
let modelOf: (counts: NgramCounts, order: number) => NgramModel;

export interface NgramFitOptions {
  /** Characters of context + 1 (1: unigrams); default NGRAM_DEFAULTS.order. */
  order?: number;
  /** The symbols; default every character of the lines. */
  vocabulary?: Vocabulary;
}

/** Bits of a set of lines under a model. */
export interface TextCost {
  /** Total -log2 p over every character and each line's EOS. */
  bits: number;
  /** Characters plus one EOS per line. */
  characters: number;
  bitsPerChar: number;
}

export class NgramModel {
  readonly order: number;
  readonly vocabulary: Vocabulary;
  /** Longest training line, in characters: sample()'s default cap. */
  readonly longestLine: number;
  readonly #levels: Level[];
  /** Symbols with a probability: the characters, EOS and UNK. */
  readonly #predictable: number;

  private constructor(counts: NgramCounts, order: number) {
    this.order = order;
    this.vocabulary = counts.vocab;
    this.longestLine = counts.longest;
    this.#levels = Array.from({ length: order + 1 }, (_, k) => (k === order ? counts.top[k] : counts.lower[k]));
    this.#predictable = counts.vocab.size - 2;
  }

  /** Counts the lines' n-grams. Fast: all 67,396 training words at order 8 in under 2 s. */
  static fit(lines: readonly string[], options: NgramFitOptions = {}): NgramModel {
    const order = checkOrder(options.order ?? NGRAM_DEFAULTS.order, 'order');
    const counts = countLines(lines, order, options.vocabulary);
    return new NgramModel(counts, order);
  }

  static {
    modelOf = (counts, order) => new NgramModel(counts, order);
  }

  /** p(symbol | history): history holds the last order-1 symbols (BOS-padded) as one string. */
  #probability(history: string, symbol: string): number {
    let p = 1 / this.#predictable;
    for (let k = 1; k <= this.order; k++) {
      const lv = this.#levels[k];
      const h = k === 1 ? '' : history.substring(history.length - k + 1);
      const s = lv.contexts.get(h);
      if (!s) continue;
      const c = lv.grams.get(h + symbol) ?? 0;
      const d = c === 0 ? 0 : lv.d[Math.min(c, 3) - 1];
      const gamma = (lv.d[0] * s[1] + lv.d[1] * s[2] + lv.d[2] * s[3]) / s[0];
      p = (c - d) / s[0] + gamma * p;
    }
    return p;
  }

  /**
   * The probability of each symbol id after `prefix` (characters of a line
   * so far): a Float64Array of vocabulary.size, 0 for PAD and BOS, summing to 1.
   */
  distribution(prefix: string): Float64Array {
    const s = symbols(this.vocabulary, prefix, this.order - 1);
    const history = s.substring(s.length - this.order, s.length - 1);
    const p = new Float64Array(this.vocabulary.size);
    for (let id = EOS; id < p.length; id++) p[id] = this.#probability(history, String.fromCharCode(id));
    return p;
  }

  /** The ideal entropy-coding cost of a line, in bits: -log2 p of its characters and its EOS. */
  codeLengthBits(line: string): number {
    if (typeof line !== 'string') throw invalid('a string', 'line', line, 'E_DATA');
    const s = symbols(this.vocabulary, line, this.order - 1);
    let bits = 0;
    for (let i = this.order - 1; i < s.length; i++) {
      bits -= Math.log2(this.#probability(s.substring(i - this.order + 1, i), s[i]));
    }
    return bits;
  }

  /** Total bits and bits per character (EOS counted as one) of lines. */
  evaluate(lines: readonly string[]): TextCost {
    let bits = 0;
    let characters = 0;
    for (const line of checkLines(lines, 'lines')) {
      bits += this.codeLengthBits(line);
      characters += [...line].length + 1;
    }
    if (characters === 0) throw new GentorchError('E_DATA', 'Expected lines to evaluate but received none');
    return { bits, characters, bitsPerChar: bits / characters };
  }

  /** Bits per character, EOS counted as a character (see evaluate). */
  bitsPerChar(lines: readonly string[]): number {
    return this.evaluate(lines).bitsPerChar;
  }

  /**
   * `n` lines drawn from the model (never UNK), the same for a seed: each
   * ends at its EOS or at `maxLength` characters (default the longest
   * training line).
   */
  sample(n: number, seed: number, options: { maxLength?: number } = {}): string[] {
    checkPositiveInt(n, 'n');
    checkSeed(seed);
    const maxLength = checkPositiveInt(options.maxLength ?? Math.max(1, this.longestLine), 'maxLength');
    const rand = mulberry32(seed);
    const chars = this.vocabulary.chars;
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      let history = String.fromCharCode(BOS).repeat(this.order - 1);
      let line = '';
      for (let len = 0; len < maxLength; len++) {
        const p = this.#nextSymbol(history, rand());
        if (p === EOS) break;
        line += chars[p - SPECIALS.length];
        history = (history + String.fromCharCode(p)).substring(1);
      }
      out.push(line);
    }
    return out;
  }

  /** Inverse-CDF draw of the next symbol (EOS or a character; UNK left out and the rest renormalised). */
  #nextSymbol(history: string, u: number): number {
    const ids: number[] = [EOS];
    for (let id = SPECIALS.length; id < this.vocabulary.size; id++) ids.push(id);
    const p = ids.map((id) => this.#probability(history, String.fromCharCode(id)));
    let r = u * p.reduce((a, b) => a + b, 0);
    for (let j = 0; j < ids.length; j++) {
      r -= p[j];
      if (r < 0) return ids[j];
    }
    return ids[ids.length - 1];
  }
}

function checkOrder(value: unknown, name: string): number {
  const order = checkPositiveInt(value, name);
  if (order > NGRAM_DEFAULTS.maxOrder) throw invalid(`an order of 1 to ${NGRAM_DEFAULTS.maxOrder}`, name, value);
  return order;
}

function countLines(lines: readonly string[], maxOrder: number, vocabulary?: Vocabulary): NgramCounts {
  checkLines(lines, 'lines');
  if (lines.length === 0)
    throw new GentorchError('E_DATA', 'Expected training lines for the n-gram model but received none');
  const vocab = vocabulary ?? Vocabulary.fromLines(lines);
  if (!(vocab instanceof Vocabulary)) throw invalid('a Vocabulary', 'vocabulary', vocab);
  if (vocab.size > 0xffff)
    throw new GentorchError(
      'E_DATA',
      `Expected at most 65,535 symbols for the n-gram model but the vocabulary has ${vocab.size}`,
    );
  return new NgramCounts(vocab, lines, maxOrder);
}

/** What chooseOrder measured. */
export interface OrderChoice {
  /** The order with the lowest held-out bits per character (the lower one on a tie). */
  order: number;
  /** That order's model, fit on all the training lines. */
  model: NgramModel;
  /** Each order's held-out bits per character. */
  scores: { order: number; bitsPerChar: number }[];
  /** How many training lines were held out, and fit on. */
  heldOut: number;
  fitOn: number;
}

/**
 * Picks the order by held-out bits per character: training lines whose
 * FNV-1a hash % 10 is 1 are held out (a ninth of a hash split's train side,
 * never its test side), the others are counted once up to the highest order,
 * and each order is scored on the held-out lines. The chosen order is then
 * fit on all the training lines.
 */
export function chooseOrder(
  train: readonly string[],
  options: { orders?: readonly number[]; vocabulary?: Vocabulary } = {},
): OrderChoice {
  checkLines(train, 'train');
  const orders = options.orders ?? NGRAM_DEFAULTS.orders;
  if (!Array.isArray(orders) || orders.length === 0) throw invalid('a non-empty array of orders', 'orders', orders);
  orders.forEach((o, i) => checkOrder(o, `orders[${i}]`));
  const vocab = options.vocabulary ?? Vocabulary.fromLines(train);
  const held: string[] = [];
  const fitOn: string[] = [];
  for (const line of train) (fnv1a32(line) % TEST_MODULUS === 1 ? held : fitOn).push(line);
  if (held.length === 0 || fitOn.length === 0) {
    throw new GentorchError(
      'E_DATA',
      `Expected training lines both to fit on and to hold out but received ${fitOn.length} and ${held.length} ` +
        `of ${train.length} (held out: FNV-1a hash % ${TEST_MODULUS} is 1)`,
    );
  }
  const counts = countLines(fitOn, Math.max(...orders), vocab);
  const scores = [...orders]
    .sort((a, b) => a - b)
    .map((order) => ({ order, bitsPerChar: modelOf(counts, order).bitsPerChar(held) }));
  const best = scores.reduce((a, b) => (b.bitsPerChar < a.bitsPerChar ? b : a));
  const model = NgramModel.fit(train, { order: best.order, vocabulary: vocab });
  return { order: best.order, model, scores, heldOut: held.length, fitOn: fitOn.length };
}
