import { describe, expect, it } from 'vitest';
import { grafanaLeftOut } from '../images/ensure.js';
import { upSummary } from './up.js';

const endpoints = {
  ingress: 'http://127.0.0.1:8080',
  consul: 'http://127.0.0.1:8500',
  prometheus: 'http://127.0.0.1:9090',
  grafana: null,
};

describe('upSummary', () => {
  it('says Grafana was left out, why, and how to add it, on lines of their own', () => {
    const text = upSummary({
      mesh: 'shop',
      took: '56s',
      endpoints,
      grafanaLeftOut: grafanaLeftOut('grafana/grafana:11.6.0', true),
      airgap: true,
      down: 'npx meshdev down',
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('mesh shop is up (56s)');
    expect(lines).toContain(
      '  grafana     left out: no registry answered, its image grafana/grafana:11.6.0 is not on this machine, and Grafana has no Debian package to build it from',
    );
    expect(lines.find((l) => l.startsWith('              to add it: '))).toContain('`docker load -i grafana.tar`');
    expect(lines).toContain('  images      air-gapped: local equivalents built from Debian packages');
    expect(lines.at(-2)).toBe('stop it with: npx meshdev down');
    // The air-gapped switch was shown while it happened: not again as a note.
    expect(text).not.toContain('note:');
  });

  it('lists Grafana when it runs, and no image line with upstream images', () => {
    const text = upSummary({
      mesh: 'shop',
      took: '9s',
      endpoints: { ...endpoints, grafana: 'http://127.0.0.1:3000' },
      grafanaLeftOut: undefined,
      airgap: false,
      down: 'meshdev down',
    });
    expect(text).toContain('  grafana     http://127.0.0.1:3000\n');
    expect(text).not.toContain('images');
  });
});
