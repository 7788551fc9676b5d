import { rebuildCatalogue } from '../../../src/app/admin/rebuild-catalogue';
import { CatalogueRebuild } from '../../../src/domain/ports/catalogue-rebuild.port';

describe('rebuildCatalogue, the use case behind ferry admin rebuild', () => {
  it('empties the projection first, then folds the whole log, reporting progress and the time taken', async () => {
    const calls: string[] = [];
    let now = Date.UTC(2024, 0, 1);
    const catalogue: CatalogueRebuild = {
      dropCatalogue: () => {
        calls.push('drop');
      },
      catchUp: async (progress) => {
        calls.push('catch up');
        progress(5000, 7000);
        progress(7000, 7000);
        now += 2500;
        return 7000;
      },
    };
    const progress: Array<[number, number]> = [];
    const report = await rebuildCatalogue(
      { catalogue, clock: { now: () => new Date(now) } },
      (folded, total) => progress.push([folded, total]),
    );
    expect(calls).toEqual(['drop', 'catch up']);
    expect(progress).toEqual([
      [5000, 7000],
      [7000, 7000],
    ]);
    expect(report).toEqual({ folded: 7000, elapsedMs: 2500 });
  });
});
