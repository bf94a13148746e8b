#!/usr/bin/env node
// The `mlbtc` command: the bundled headless CLI (built by `npm run build`, which `npm install` runs via `prepare`).
require('../dist/cli.js');
