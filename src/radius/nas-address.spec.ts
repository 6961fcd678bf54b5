import { formatNasNetwork, NasNetworkMatcher, parseNasNetwork, plainAddress } from './nas-address.js';

describe('NAS addresses', () => {
  it('parses addresses and networks', () => {
    expect(parseNasNetwork('192.0.2.10')).toEqual({ address: '192.0.2.10', prefix: 32, family: 4 });
    expect(parseNasNetwork(' 192.0.2.0/24 ')).toEqual({ address: '192.0.2.0', prefix: 24, family: 4 });
    expect(parseNasNetwork('2001:db8::/32')).toEqual({ address: '2001:db8::', prefix: 32, family: 6 });
    for (const bad of ['', 'nas-1', '192.0.2.0/33', '192.0.2.0/', '192.0.2.0/24/1', '300.1.1.1', '2001:db8::/129', '10.0.0.0/-1']) {
      expect(parseNasNetwork(bad)).toBeUndefined();
    }
  });

  it('shows single hosts without their prefix', () => {
    expect(formatNasNetwork('192.0.2.10/32')).toBe('192.0.2.10');
    expect(formatNasNetwork('192.0.2.0/24')).toBe('192.0.2.0/24');
    expect(formatNasNetwork('2001:db8::1/128')).toBe('2001:db8::1');
  });

  it('matches the most specific network', () => {
    const matcher = new NasNetworkMatcher<string>();
    matcher.add('10.0.0.0/8', 'wide');
    matcher.add('10.1.2.3/32', 'host');
    matcher.add('2001:db8::/32', 'v6');
    expect(matcher.match('10.1.2.3')).toBe('host');
    expect(matcher.match('10.9.9.9')).toBe('wide');
    expect(matcher.match('::ffff:10.1.2.3')).toBe('host');
    expect(matcher.match('2001:db8::5')).toBe('v6');
    expect(matcher.match('192.0.2.1')).toBeUndefined();
    expect(matcher.match('not an address')).toBeUndefined();
    expect(plainAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
  });

  it('remembers a match until a network is added', () => {
    const matcher = new NasNetworkMatcher<string>();
    matcher.add('10.0.0.0/8', 'wide');
    expect(matcher.match('10.1.2.3')).toBe('wide');
    expect(matcher.match('10.1.2.3')).toBe('wide');
    expect(matcher.match('192.0.2.1')).toBeUndefined();
    matcher.add('10.1.2.3/32', 'host');
    matcher.add('192.0.2.0/24', 'lobby');
    expect(matcher.match('10.1.2.3')).toBe('host');
    expect(matcher.match('192.0.2.1')).toBe('lobby');
  });
});
