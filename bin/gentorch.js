#!/usr/bin/env node
// The gentorch CLI (lib/cli/main.ts, compiled to dist/).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
