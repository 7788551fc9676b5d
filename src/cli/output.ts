/** JSON lines for machines: one object per line. */
export function jsonLines(items: readonly unknown[]): string {
  return items.map((item) => `${JSON.stringify(item)}\n`).join('');
}

/** A command's result: the object as one JSON line with --json, else the sentence for a person. */
export function printResult(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json ? jsonLines([value]) : text);
}
