import { join } from 'node:path';

/** Scratch space and small caches of the benchmarks (1 GiB file, small files, transfer folders). */
export const BENCH_ROOT = '/tmp/ferry-bench';

/**
 * The catalogue benchmark's generated data folders (tens of GB at 10M files): outside the repository and
 * outside /tmp, so a reboot or a `git clean` keeps them. FERRY_BENCH_CACHE moves them.
 */
export const CATALOGUE_CACHE = process.env.FERRY_BENCH_CACHE ?? join('/work/bench-cache', 'ferry-catalogue');
