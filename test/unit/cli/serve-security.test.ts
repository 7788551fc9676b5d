import { checkExposure, isLoopback } from '../../../src/cli/serve-security';
import { parseByteSize } from '../../../src/cli/options';

describe('what ferry serve agrees to expose', () => {
  const none = {};

  it('serves loopback as it is, saying so when anyone on the machine may act anonymously', () => {
    expect(checkExposure('127.0.0.1', false, 1, none)).toEqual({ warnings: [] });
    const anonymous = checkExposure('::1', false, 0, none);
    expect(anonymous.refusal).toBeUndefined();
    expect(anonymous.warnings).toEqual([expect.stringMatching(/serving anonymously/)]);
  });

  it('refuses a network address without TLS, then without accounts, unless told to allow each', () => {
    expect(checkExposure('0.0.0.0', false, 1, none).refusal).toMatch(/without TLS/);
    expect(checkExposure('0.0.0.0', true, 0, none).refusal).toMatch(/without accounts/);
    expect(checkExposure('0.0.0.0', true, 1, none)).toEqual({ warnings: [] });
    const allowed = checkExposure('10.0.0.5', false, 0, { allowPlaintext: true, allowAnonymous: true });
    expect(allowed.refusal).toBeUndefined();
    expect(allowed.warnings).toEqual([
      expect.stringMatching(/^WARNING: --allow-plaintext/),
      expect.stringMatching(/^WARNING: --allow-anonymous/),
    ]);
  });

  it('knows loopback addresses from the others', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com'].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('reads sizes with binary units', () => {
    expect(['500', '64K', '10M', '2G', '1T', '3GiB'].map(parseByteSize)).toEqual([
      500,
      64 * 1024,
      10 * 1024 ** 2,
      2 * 1024 ** 3,
      1024 ** 4,
      3 * 1024 ** 3,
    ]);
    for (const bad of ['', '-1', '1.5G', 'lots', '99999999999999999T'])
      expect(() => parseByteSize(bad)).toThrow();
  });
});
