// The text report from made-up TextResults: what its findings say for each
// outcome, escaping of the strings from the data, runs with models missing or
// figures NaN, and the page in a real Chromium. No addon, no training.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TextSampleMetrics } from '../../lib/compare/text-metrics.js';
import type { LossPoint } from '../../lib/report/results.js';
import { markFilled } from '../../lib/report/text-tables.js';
import type { TextCurvePoint, TextModelResult, TextResults } from '../../lib/report/text-results.js';
import { renderTextReport, textFindings } from '../../lib/report/text.js';

const CHROMIUM = '/usr/bin/chromium';
const SCRIPT = '<script>alert(1)</script>';

function samples(validity: number, novelty: number, diversity: number, jsd: number[], mean: number, tv: number) {
  const hist = (m: number) => Array.from({ length: 13 }, (_, k) => Math.exp(-((k - m) ** 2) / 8) / 5);
  const s: TextSampleMetrics = {
    samples: 1000,
    validity,
    novelty,
    diversity,
    jsd: jsd.map((bits, i) => ({ n: i + 1, bits })),
    length: {
      samples: { count: 1000, mean, std: 2.3, histogram: hist(mean) },
      test: { count: 2000, mean: 7.6, std: 2.1, histogram: hist(7.6) },
      tvDistance: tv,
    },
  };
  return s;
}

function curve(seconds: number, jsd0: number, jsd1: number, bits?: [number, number]): TextCurvePoint[] {
  return Array.from({ length: 7 }, (_, i) => {
    const f = Math.exp(-i / 2);
    return {
      seconds: (seconds * i) / 6,
      step: i * 250,
      epochs: i * 0.4,
      jsd3: jsd1 + (jsd0 - jsd1) * f,
      ...(bits ? { bitsPerChar: bits[1] + (bits[0] - bits[1]) * f } : {}),
    };
  });
}

function losses(keys: Record<string, [number, number]>): LossPoint[] {
  return Array.from({ length: 40 }, (_, i) => ({
    step: i * 40,
    seconds: i * 1.5,
    losses: Object.fromEntries(
      Object.entries(keys).map(([k, [a, b]]) => [k, b + (a - b) * Math.exp(-i / 8) + 0.03 * Math.sin(i)]),
    ),
  }));
}

const vae = (): TextModelResult => ({
  name: 'vae',
  family: 'vae',
  config: { latentDim: 32 },
  checkpoint: 'vae/model.pt',
  timings: { trainSeconds: 60, steps: 1500, epochs: 2.4, parameters: 412_345, sampleStringsPerSecond: 9000 },
  bitsPerChar: { nelbo: 2.41, iwae: 2.35 },
  vae: { nelbo: 17.2, recon: 14.9, kl: 2.3, iwaeSamples: 64, activeUnits: 12, latentDim: 32 },
  samples: samples(0.42, 0.31, 0.93, [0.012, 0.045, 0.11, 0.24], 7.3, 0.08),
  examples: ['café', 'naïve', 'tom & "jerry"', 'house'],
  curve: curve(60, 0.5, 0.11, [3.4, 2.41]),
  losses: losses({ loss: [30, 17], recon: [29, 15], kl: [1, 2.3] }),
  lossOscillation: 0.04,
});

const gan = (): TextModelResult => ({
  name: 'gan',
  family: 'gan',
  config: { nCritic: 5 },
  checkpoint: 'gan/model.pt',
  timings: { trainSeconds: 60, steps: 900, epochs: 1.1, parameters: 1_234_567, sampleStringsPerSecond: 30000 },
  samples: samples(0.28, 0.55, 0.81, [0.02, 0.07, 0.16, 0.31], 7.9, 0.12),
  examples: [SCRIPT, 'garden', "it's", 'ça va'],
  curve: curve(60, 0.6, 0.16),
  losses: losses({ critic: [-4, -1], generator: [2, 0.5] }),
  lossOscillation: 0.21,
});

const ngram = (): TextModelResult => ({
  name: 'ngram-4',
  family: 'ngram',
  config: { order: 4 },
  timings: { trainSeconds: 0.8, steps: 0, epochs: 1, parameters: 52_000, sampleStringsPerSecond: 80000 },
  bitsPerChar: { exact: 2.28 },
  samples: samples(0.36, 0.48, 0.97, [0.004, 0.02, 0.07, 0.19], 7.5, 0.03),
  examples: ['maison', 'naïveté', 'a<b'],
  curve: [],
  losses: [],
  lossOscillation: NaN,
});

/** A whole comparison: the VAE, the GAN and the n-gram, then `edit` applied to it. */
function results(edit: (r: TextResults) => void = () => {}): TextResults {
  const r: TextResults = {
    kind: 'text',
    gentorch: '0.1.0',
    torch: '2.9.0',
    createdAt: '2026-01-01T00:00:00Z',
    device: 'cpu',
    seed: 7,
    data: { name: 'words', train: 20000, test: 2000, characters: 30, maxLength: 12, meanLength: 7.6 },
    budget: { kind: 'seconds', value: 60 },
    testStrings: 1000,
    ngram: {
      chosen: 4,
      heldOut: [2, 3, 4, 5, 6].map((order) => ({ order, bitsPerChar: [3.1, 2.6, 2.33, 2.36, 2.45][order - 2] })),
      test: [2, 3, 4, 5, 6].map((order) => ({ order, bitsPerChar: [3.08, 2.57, 2.28, 2.31, 2.4][order - 2] })),
      best: { order: 4, bitsPerChar: 2.28 },
    },
    models: [vae(), gan(), ngram()],
    compression: {
      strings: 500,
      rows: [
        { method: 'ngram-4 (arithmetic code)', lossless: true, bytesPerString: 2.6 },
        { method: 'vae (bits-back)', lossless: true, bytesPerString: 2.9 },
        { method: 'gzip (all strings)', lossless: true, bytesPerString: 5.1 },
        { method: 'gzip (each string)', lossless: true, bytesPerString: 27.4 },
        { method: 'vae latent (8-bit)', lossless: false, bytesPerString: 32, exactShare: 0.21, charErrorRate: 0.19 },
      ],
    },
    repair: {
      strings: 500,
      maskShare: 0.25,
      mask: '_',
      rows: [
        { method: 'ngram-4', charAccuracy: 0.61, exactShare: 0.34 },
        { method: 'vae', charAccuracy: 0.55, exactShare: 0.29 },
        { method: 'gan', charAccuracy: 0.4, exactShare: 0.18 },
      ],
      examples: [
        { masked: 'na_ve', truth: 'naïve', repaired: { 'ngram-4': 'naïve', vae: 'naive', gan: 'na<ve' } },
        { masked: '_ & b', truth: 'a & b', repaired: { 'ngram-4': 'a & b', vae: 'o & b', gan: '& & b' } },
      ],
    },
    interpolation: [
      { model: 'vae', from: 'café', to: 'naïve', path: ['cafe', 'cave', 'nave'] },
      { model: 'gan', from: 'house', to: SCRIPT, path: ['hose', '<scr'] },
    ],
  };
  edit(r);
  return r;
}

const model = (r: TextResults, family: string) => r.models.find((m) => m.family === family)!;
const has = (list: string[], part: string) => list.some((s) => s.includes(part));

describe('textFindings', () => {
  it('says the VAE is not below the best n-gram, naming the order and both figures', () => {
    const f = textFindings(results());
    expect(f[0]).toBe(
      "vae's test IWAE bound, 2.350 bits per character, is not below the best n-gram's (order 4, 2.280 bits per character exact) on 1000 test lines: the bound does not show the VAE ahead of the n-gram (it is an upper bound, so its true cost may be lower).",
    );
    expect(has(f, 'is below')).toBe(false);
  });

  it('says the VAE is below the best n-gram when its IWAE bound is', () => {
    const f = textFindings(results((r) => (model(r, 'vae').bitsPerChar = { nelbo: 2.2, iwae: 2.1 })));
    expect(f[0]).toMatch(
      /^vae's test IWAE bound, 2.100 bits per character, is below the best n-gram's \(order 4, 2.280/,
    );
    expect(has(f, 'not below')).toBe(false);
  });

  it('names who leads each sample measure and where the n-gram baseline stands', () => {
    const f = textFindings(results());
    expect(f).toContain('Closest to the test lines: ngram-4, 3-gram JSD 0.070 bits (vae 0.110 bits, gan 0.160 bits).');
    expect(f).toContain('Most valid: vae, validity 42.0% (ngram-4 36.0%, gan 28.0%).');
    expect(f).toContain('Most novel: gan, novelty 55.0% (ngram-4 48.0%, vae 31.0%).');
    expect(f).toContain('Most diverse: ngram-4, diversity 97.0% (vae 93.0%, gan 81.0%).');
    expect(f).toContain(
      'The n-gram baseline ngram-4 is at least as good as every model on 3-gram JSD (0.070 bits) and diversity (97.0%); behind vae on validity (36.0%); behind gan on novelty (48.0%).',
    );
  });

  it('says when models tie on a measure', () => {
    const f = textFindings(
      results((r) => {
        for (const m of r.models) m.samples.novelty = 0.5;
        model(r, 'gan').samples.validity = 0.42;
      }),
    );
    expect(f).toContain('No model leads on novelty: all 50.0%.');
    expect(f).toContain('Most valid: vae and gan, validity 42.0% (ngram-4 36.0%).');
  });

  it('says posterior collapse only when no unit is active or the KL is tiny', () => {
    expect(has(textFindings(results()), 'posterior collapsed')).toBe(false);
    expect(textFindings(results())).toContain(
      'vae uses its latent code: 12 of 32 latent units active, KL 2.30 nats per string (reconstruction 14.90 nats per string).',
    );
    const dead = textFindings(results((r) => Object.assign(model(r, 'vae').vae!, { activeUnits: 0, kl: 0.01 })));
    expect(dead).toContain(
      "vae's posterior collapsed: 0 of 32 latent units active, KL 0.01 nats per string. The decoder ignores z, so its samples and repairs come from a language model alone and its interpolations barely move.",
    );
    const faint = textFindings(results((r) => Object.assign(model(r, 'vae').vae!, { activeUnits: 2, kl: 0.3 })));
    expect(has(faint, "vae's posterior collapsed: 2 of 32 latent units active, KL 0.30")).toBe(true);
  });

  it("names the GAN's mode collapse signs only when they show", () => {
    expect(textFindings(results())).toContain(
      'gan shows no sign of mode collapse by these measures: 81.0% of its samples distinct, length total variation 0.12.',
    );
    const f = textFindings(
      results((r) => {
        const s = model(r, 'gan').samples;
        s.diversity = 0.12;
        s.length.tvDistance = 0.45;
        s.length.samples.mean = 3.1;
      }),
    );
    expect(f).toContain(
      "gan shows signs of mode collapse: only 12.0% of its samples are distinct (under 50.0%); its lengths are 0.45 in total variation from the test lines' (over 0.30; mean 3.1 against 7.6 characters).",
    );
    const one = textFindings(results((r) => (model(r, 'gan').samples.length.tvDistance = 0.31)));
    expect(has(one, 'signs of mode collapse: its lengths are 0.31')).toBe(true);
  });

  it('puts the smallest lossless code against gzip, and names the best repair', () => {
    const f = textFindings(results());
    expect(f).toContain(
      'Smallest lossless code on 500 test strings: ngram-4 (arithmetic code), 2.60 bytes per string, 2.0× smaller than gzip (all strings) (5.10 bytes per string).',
    );
    expect(f).toContain(
      'Repair of 500 test strings with 25.0% of their characters masked: ngram-4 restores the most, 61.0% of the masked characters and 34.0% of the strings entirely (vae 55.0%, gan 40.0%).',
    );
    const worse = textFindings(results((r) => (r.compression.rows[2].bytesPerString = 2.5)));
    expect(has(worse, "No model's lossless code beats gzip on 500 test strings: the smallest, ngram-4")).toBe(true);
  });

  it('leaves out what a VAE-only run has no figures for, and every n/a figure', () => {
    const f = textFindings(results((r) => (r.models = [model(r, 'vae')])));
    expect(f[0]).toMatch(/is not below the best n-gram's/);
    expect(has(f, 'Most valid')).toBe(false);
    expect(has(f, 'mode collapse')).toBe(false);
    expect(has(f, 'n-gram baseline')).toBe(false);
    const nan = textFindings(
      results((r) => {
        model(r, 'vae').bitsPerChar = { nelbo: NaN, iwae: NaN };
        model(r, 'gan').samples.jsd[2].bits = NaN;
      }),
    );
    expect(has(nan, 'bound')).toBe(false);
    expect(nan).toContain('Closest to the test lines: ngram-4, 3-gram JSD 0.070 bits (vae 0.110 bits).');
    for (const s of nan) expect(s).not.toMatch(/NaN|undefined|Infinity/);
  });
});

describe('renderTextReport', () => {
  const html = renderTextReport(results());

  it('heads the page with the models, the data, the budget and the versions', () => {
    expect(html).toContain('<h1>Text: vae, gan and ngram-4 on words</h1>');
    expect(html).toContain(
      'Each trained model had the same 60 s on cpu; the n-gram baseline is counted in seconds (0.80 s).',
    );
    expect(html).toContain('gentorch 0.1.0, libtorch 2.9.0, seed 7, 2026-01-01T00:00:00Z. Data: words, 20000 training');
    expect(html).toContain('<td class="best">2.280<br><small>exact</small></td>');
    expect(html).toContain('<td>2.350<br><small>IWAE, 64 samples</small><br><small>-ELBO 2.410</small></td>');
    expect(html).not.toContain('<script');
  });

  it('escapes every string from the data', () => {
    expect(html).not.toContain(SCRIPT);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('tom &amp; &quot;jerry&quot;');
    expect(html).toContain('it&#39;s');
    expect(html).toContain('a&lt;b');
    for (const word of ['café', 'naïve', 'naïveté', 'ça va']) expect(html).toContain(word);
    const evil = renderTextReport(
      results((r) => {
        r.data.name = SCRIPT;
        r.models[1].name = '<b>gan</b>';
        r.repair.mask = '<';
        r.compression.rows[0].method = SCRIPT;
      }),
    );
    expect(evil).not.toMatch(/<script|<b>gan/);
  });

  it('marks the filled characters of a repair, right and wrong', () => {
    expect(markFilled('na_ve', 'naïve', 'naïve', '_')).toContain('<mark style="background:#dcfce7">ï</mark>');
    expect(markFilled('na_ve', 'naïve', 'na<ve', '_')).toContain('<mark style="background:#fee2e2">&lt;</mark>');
    expect(markFilled('na_ve', 'naïve', 'nave', '_')).not.toContain('<mark');
  });

  it('renders a VAE-only run without the GAN or the n-gram', () => {
    const only = renderTextReport(
      results((r) => {
        r.models = [model(r, 'vae')];
        r.repair.rows = r.repair.rows.filter((x) => x.method === 'vae');
        r.interpolation = r.interpolation.filter((x) => x.model === 'vae');
        r.compression.rows = [];
      }),
    );
    expect(only).toContain('<h1>Text: vae on words</h1>');
    expect(only).not.toMatch(/id="compression"|href="#compression"/);
    expect(only).toContain('id="interpolation"');
    expect(only).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('shows NaN and missing figures as n/a, also after a trip through JSON', () => {
    const nan = results((r) => {
      model(r, 'vae').bitsPerChar = { nelbo: NaN, iwae: NaN };
      model(r, 'vae').vae!.kl = NaN;
      model(r, 'gan').samples.jsd = model(r, 'gan').samples.jsd.map((j) => ({ ...j, bits: NaN }));
      model(r, 'gan').samples.length.tvDistance = NaN;
      model(r, 'gan').timings.trainSeconds = NaN;
      r.ngram.best.bitsPerChar = NaN;
      r.repair.rows[0].charAccuracy = NaN;
      r.compression.rows[4].exactShare = undefined;
    });
    for (const page of [renderTextReport(nan), renderTextReport(JSON.parse(JSON.stringify(nan)) as TextResults)]) {
      expect(page).not.toMatch(/NaN|undefined|Infinity|null/);
      expect(page).toContain('<td class="na">n/a</td>');
    }
  });
});

describe('the text report in a browser', () => {
  it.skipIf(!existsSync(CHROMIUM))(
    'renders in headless Chromium with every table visible, its rows, and no errors or requests',
    async () => {
      const { chromium } = await import('playwright-core');
      const file = join(mkdtempSync(join(tmpdir(), 'gentorch-text-report-')), 'report.html');
      await writeFile(file, renderTextReport(results()));
      const url = pathToFileURL(file).href;
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const errors: string[] = [];
        const requests: string[] = [];
        page.on('console', (msg) => {
          if (msg.type() === 'error') errors.push(msg.text());
        });
        page.on('pageerror', (err) => errors.push(err.message));
        page.on('request', (req) => requests.push(req.url()));
        await page.goto(url, { waitUntil: 'load' });
        const rows: Record<string, number> = {
          '#measures table': 3,
          '#orders table': 5,
          '#compression table': 5,
          '#repair table >> nth=0': 3,
          '#repair table >> nth=1': 2,
          '#interpolation table': 2,
        };
        for (const [selector, count] of Object.entries(rows)) {
          const table = page.locator(selector);
          expect(await table.isVisible(), selector).toBe(true);
          expect(await table.locator('tbody tr').count(), selector).toBe(count);
        }
        expect(await page.locator('#samples .card').count()).toBe(3);
        expect(await page.locator('#samples li').count()).toBe(11);
        expect(await page.locator('#curves svg').count()).toBe(4);
        expect(await page.locator('nav a').count()).toBe(8);
        expect(await page.locator('#samples').innerText()).toContain(SCRIPT);
        expect(errors).toEqual([]);
        expect(requests.filter((u) => !u.startsWith('data:') && u !== url)).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    20_000,
  );
});
