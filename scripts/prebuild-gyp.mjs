#!/usr/bin/env node
// Stands in for node-gyp under prebuildify: whatever node-gyp arguments it
// is given ("rebuild --target=..."), it builds build/Release/gentorch.node
// with cmake-js (incrementally; `npm run build:native -- --rebuild` cleans).
import { buildNative } from './build-native.mjs';

process.exit(buildNative());
