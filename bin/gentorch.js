#!/usr/bin/env node
// The gentorch CLI (lib/cli.ts, compiled to dist/).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv);
