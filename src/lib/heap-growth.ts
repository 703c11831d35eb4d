import { setFlagsFromString } from 'node:v8';

// After each full collection V8 lets the old generation grow to up to 4× what survived before
// collecting again; under 1,000-lead bodies the server's old space reached ~100 MB, mostly garbage
// (peak RSS 200–235 MB). Growing by 1.5× keeps it near 50 MB (peak RSS ~155 MB) for about the
// same CPU per request (README "Server memory"). V8 reads this flag whenever it sets the next
// limit, so setting it at startup takes effect; a flag the user gives node wins.
const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
if (!/heap[-_]growing[-_]percent/.test(given)) setFlagsFromString('--heap-growing-percent=50');
