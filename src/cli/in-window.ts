/**
 * Runs `work` on each item as it comes, at most `width` at once: pipelining over one connection without
 * holding more than the window. Resolves once every item is done; the first failure stops taking new
 * items and is thrown once those in flight have settled.
 */
export async function inWindow<T>(
  items: AsyncIterable<T>,
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const task: Promise<void> = work(item)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => running.delete(task));
    running.add(task);
    if (running.size >= width) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}
