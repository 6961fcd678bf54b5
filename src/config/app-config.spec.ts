import { ConfigValidationError, loadConfig } from './app-config.js';

const problems = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
};

describe('TRUST_PROXY', () => {
  it('takes false, a number of proxies, or proxy addresses / CIDRs / range names', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toEqual({ hops: 2 });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,fd00::/8 ,loopback' }).trustProxy).toEqual({
      proxies: ['10.0.0.5', '10.1.0.0/16', 'fd00::/8', 'loopback'],
    });
  });

  it('refuses true (every hop believed) with a message saying what to give instead', () => {
    expect(problems({ TRUST_PROXY: 'true' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY="true": true would believe every X-Forwarded-For hop.*give the number of proxies/),
    ]);
  });

  it('refuses anything else, naming the bad entries', () => {
    expect(problems({ TRUST_PROXY: '10.0.0.1, proxy.example, 10.0.0.0/33' })).toEqual([
      'TRUST_PROXY="10.0.0.1, proxy.example, 10.0.0.0/33": must be false, a number of proxies, or proxy addresses / CIDRs (not "proxy.example", "10.0.0.0/33")',
    ]);
  });
});

describe('HTTP timeouts', () => {
  it('default to 10 s for headers and 30 s for the whole request', () => {
    expect(loadConfig({}).httpTimeouts).toEqual({ headersSeconds: 10, requestSeconds: 30 });
  });

  it('refuse a headers timeout above the request timeout, and values out of range', () => {
    expect(problems({ HTTP_HEADERS_TIMEOUT_SECONDS: '20', HTTP_REQUEST_TIMEOUT_SECONDS: '15' })).toEqual([
      'HTTP_HEADERS_TIMEOUT_SECONDS="20": must not be greater than HTTP_REQUEST_TIMEOUT_SECONDS (15)',
    ]);
    expect(problems({ HTTP_REQUEST_TIMEOUT_SECONDS: '5' })).toEqual([
      'HTTP_HEADERS_TIMEOUT_SECONDS="10": must not be greater than HTTP_REQUEST_TIMEOUT_SECONDS (5)',
    ]);
    expect(problems({ HTTP_REQUEST_TIMEOUT_SECONDS: '0' })).toEqual(['HTTP_REQUEST_TIMEOUT_SECONDS="0": HTTP_REQUEST_TIMEOUT_SECONDS must not be less than 1']);
  });
});

describe('RADIUS group commit', () => {
  it('defaults to a 2 ms window and 100 records, and refuses a group of 0 or a window over 50 ms', () => {
    expect(loadConfig({}).radius).toMatchObject({ groupCommitMs: 2, groupCommitMaxRecords: 100 });
    expect(loadConfig({ RADIUS_GROUP_COMMIT_MS: '0', RADIUS_GROUP_COMMIT_MAX_RECORDS: '1' }).radius).toMatchObject({ groupCommitMs: 0, groupCommitMaxRecords: 1 });
    expect(problems({ RADIUS_GROUP_COMMIT_MAX_RECORDS: '0', RADIUS_GROUP_COMMIT_MS: '51' })).toEqual([
      expect.stringMatching(/^RADIUS_GROUP_COMMIT_MS="51": /),
      expect.stringMatching(/^RADIUS_GROUP_COMMIT_MAX_RECORDS="0": /),
    ]);
  });
});
