// Every option has its default in one place, lib/config; the C++ structs keep
// their own (for C++ callers), and this test holds each to its TypeScript
// twin, key for key, so neither can drift. The binding itself requires every
// key it reads (native/binding/fields.h).
import { describe, expect, it } from 'vitest';
import { native } from '../../lib/native.js';
import { resolveVaeConfig } from '../../lib/config/vae.js';
import { resolveFitConfig } from '../../lib/config/fit.js';
import { TEXT_VAE_DEFAULTS } from '../../lib/config/text-vae.js';
import { TEXT_GAN_DEFAULTS, TEXT_GAN_FIT_DEFAULTS, TEXT_INVERT_DEFAULTS } from '../../lib/config/text-gan.js';
import { GAN_FIT_DEFAULTS, resolveGanConfig } from '../../lib/config/gan.js';
import { CLASSIFIER_DEFAULTS, CLASSIFIER_FIT_DEFAULTS } from '../../lib/config/classifier.js';
import { SEARCH_DEFAULTS } from '../../lib/config/search.js';
import { TRANSLATOR_FIT_DEFAULTS, resolveTranslatorConfig } from '../../lib/config/translate.js';
import { caught } from '../helpers/caught.js';

const twins = {
  vaeConfig: () => resolveVaeConfig({}),
  vaeFit: () => resolveFitConfig({}),
  textVaeConfig: () => TEXT_VAE_DEFAULTS,
  textVaeFit: () => resolveFitConfig({}),
  textGanConfig: () => TEXT_GAN_DEFAULTS,
  textGanFit: () => TEXT_GAN_FIT_DEFAULTS,
  textGanInvert: () => TEXT_INVERT_DEFAULTS,
  ganConfig: () => resolveGanConfig({}),
  ganFit: () => GAN_FIT_DEFAULTS,
  translatorConfig: () => resolveTranslatorConfig({}),
  translatorFit: () => TRANSLATOR_FIT_DEFAULTS,
  classifierConfig: () => CLASSIFIER_DEFAULTS,
  classifierFit: () => CLASSIFIER_FIT_DEFAULTS,
  latentSearch: () => SEARCH_DEFAULTS,
} as const;

describe('native defaults equal lib/config defaults', () => {
  const nd = native().nativeDefaults();
  for (const [name, ts] of Object.entries(twins)) {
    it(`${name}: same keys, same values`, () => {
      const cpp = nd[name as keyof typeof twins];
      expect(Object.keys(cpp).sort()).toEqual(Object.keys(ts()).sort());
      for (const [k, v] of Object.entries(ts())) expect({ [k]: cpp[k] }).toEqual({ [k]: v });
    });
  }
});

describe('the binding requires every option it reads', () => {
  it('a config without a key is E_CONFIG naming the key, never a C++ default', () => {
    const { latentDim: _, ...partial } = resolveVaeConfig({});
    const e = caught(() => new (native().VaeHandle)(partial, 'cpu', 1));
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toMatch(/latentDim/);
  });

  it('a key of the wrong type is E_CONFIG naming the key', () => {
    const e = caught(() => new (native().GanHandle)({ ...resolveGanConfig({}), dBatchnorm: 1 }, 'cpu', 1));
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toMatch(/dBatchnorm/);
  });

  it('a text GAN config without a key is E_CONFIG naming the key', () => {
    const { blocks: _, ...partial } = { ...TEXT_GAN_DEFAULTS, vocabSize: 10 };
    const e = caught(() => new (native().TextGanHandle)(partial, 'cpu', 1));
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toMatch(/blocks/);
  });

  it('a translator config without a key is E_CONFIG naming the key', () => {
    const { family: _, ...partial } = resolveTranslatorConfig({});
    const e = caught(() => new (native().TranslatorHandle)(partial, 'cpu', 1));
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toMatch(/family/);
  });
});
