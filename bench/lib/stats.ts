/** Medians and the formatting of samples: every figure a benchmark prints is the median of its samples. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** MB = 10^6 bytes, as in /work/shared/bench/baselines.sh. */
export function megabytesPerSecond(bytes: number, milliseconds: number): number {
  return bytes / 1e3 / milliseconds;
}

export function perSecond(count: number, milliseconds: number): number {
  return (count * 1000) / milliseconds;
}

export function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function formatList(values: readonly number[], digits = 0): string {
  return values.map((value) => round(value, digits).toFixed(digits)).join(' ');
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${round(bytes / GiB, 2)} GiB`;
  if (bytes >= MiB) return `${round(bytes / MiB, 1)} MiB`;
  if (bytes >= KiB) return `${round(bytes / KiB, 1)} KiB`;
  return `${bytes} B`;
}
