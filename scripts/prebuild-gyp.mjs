#!/usr/bin/env node
// Stands in for node-gyp under prebuildify: whatever node-gyp arguments it
// is given, it builds build/Release/gentorch.node with cmake-js.
import { buildNative } from './build-native.mjs';

process.exit(buildNative({ rebuild: process.argv.includes('rebuild') }));
