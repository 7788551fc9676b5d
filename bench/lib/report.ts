import { formatList, median, round } from './stats';

/**
 * What a benchmark prints. Figure lines are `name value unit` (value = a median); everything else starts
 * with `#`, so `grep -v '^#'` leaves only the figures. Every figure is also kept for the closing table.
 */
export interface Figure {
  readonly name: string;
  readonly value: number | 'NA';
  readonly unit: string;
  /** The samples behind the median, in their own unit (e.g. ms), in the order they were taken. */
  readonly samples?: readonly number[];
  readonly sampleUnit?: string;
}

const figures: Figure[] = [];

export function note(text: string): void {
  for (const line of text.split('\n')) process.stdout.write(`# ${line}\n`);
}

export function heading(text: string): void {
  process.stdout.write(`\n# ==== ${text} ====\n`);
}

/** Prints one figure line, then its samples as a note. */
export function figure(entry: Figure, digits = 0): void {
  figures.push(entry);
  const value = entry.value === 'NA' ? 'NA' : round(entry.value, digits).toFixed(digits);
  process.stdout.write(`${entry.name} ${value} ${entry.unit}\n`);
  if (entry.samples && entry.samples.length > 0) {
    const unit = entry.sampleUnit ?? entry.unit;
    const digitsOfSamples = unit === entry.unit ? digits : 0;
    note(
      `  ${entry.name} samples_${unit}: ${formatList(entry.samples, digitsOfSamples)} ` +
        `(median ${round(median(entry.samples), digitsOfSamples)} ${unit})`,
    );
  }
}

/**
 * A rate figure from duration samples: the value is `amount` over the MEDIAN duration, as baselines.sh
 * computes it; the samples printed are the durations.
 */
export function rateFigure(
  name: string,
  unit: string,
  durationsMs: readonly number[],
  toRate: (medianMs: number) => number,
  digits = 0,
): number | 'NA' {
  const value = durationsMs.length === 0 ? 'NA' : toRate(median(durationsMs));
  figure({ name, value, unit, samples: durationsMs, sampleUnit: 'ms' }, digits);
  return value;
}

export function allFigures(): readonly Figure[] {
  return figures;
}

/** A ratio between two figures of the same run, printed as a percentage figure. */
export function ratioFigure(name: string, numerator: number | 'NA', denominator: number | 'NA'): void {
  const value =
    numerator === 'NA' || denominator === 'NA' || denominator === 0 ? 'NA' : (100 * numerator) / denominator;
  figure({ name, value, unit: '%' });
}
