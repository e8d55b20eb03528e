#!/usr/bin/env node
/**
 * The `switchboard` command. The garbage collector's defaults are set first and the command line imported only
 * then: a static import graph is loaded (read, parsed, linked) in full before any of it runs, and that alone
 * would fill V8's young generation before the cap in src/ops/young-gen.ts applied.
 */
import './ops/gc-defaults.js';

await import('./cli-main.js');
