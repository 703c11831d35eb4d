#!/usr/bin/env node
// The `codops` command: runs the compiled CLI (built by `npm install` through the prepare script).
import { run } from '../dist/cli/main.js';

process.exitCode = await run(process.argv);
