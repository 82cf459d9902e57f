import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Logger } from './log.js';
import { MeshProxy } from './mesh-proxy.js';
import { MAX_REJECTED_KEY_SERIES, OTHER_KEYS_LABEL } from './metrics.js';
import type { RejectedConfigDocument } from './schema/config-documents.js';

function proxyWithLog() {
  const lines: { level: string; event?: string; msg: string }[] = [];
  const registry = new Registry();
  const proxy = new MeshProxy(registry, new Logger({ write: (l) => lines.push(JSON.parse(l) as (typeof lines)[0]) }));
  return { proxy, registry, lines };
}
const rejected = (key: string, problem = 'balancer: bad'): RejectedConfigDocument => ({
  key,
  problems: [problem],
  inEffect: 'none',
});

describe('MeshProxy.recordRejections', () => {
  it('reports each rejected document once per change: log, counter, gauge by key, /config', async () => {
    const { proxy, registry, lines } = proxyWithLog();
    proxy.recordRejections([rejected('k/ghost')]);
    proxy.recordRejections([rejected('k/ghost')]);
    proxy.recordRejections([rejected('k/ghost')]);
    let text = await registry.metrics();
    expect(text).toContain('meshdev_config_rejected_documents{key="k/ghost"} 1');
    expect(text).toContain('meshdev_config_rejections_total 1');
    expect(text).toContain('meshdev_config_valid 0');
    expect(lines.filter((l) => l.event === 'config_rejected')).toHaveLength(1);
    const view = proxy.configView() as { valid: boolean; rejected: { key: string; problems: string[]; at: string }[] };
    expect(view.valid).toBe(false);
    expect(view.rejected).toEqual([{ ...rejected('k/ghost'), at: expect.any(String) as string }]);

    // A different mistake in the same key is a new rejection; a fixed key clears.
    proxy.recordRejections([rejected('k/ghost', 'balancer: other')]);
    expect(lines.filter((l) => l.event === 'config_rejected')).toHaveLength(2);
    proxy.recordRejections([]);
    text = await registry.metrics();
    expect(text).not.toContain('key="k/ghost"');
    expect(text).toContain('meshdev_config_rejections_total 2');
    expect(text).toContain('meshdev_config_valid 1');
    expect(lines.filter((l) => l.event === 'config_rejection_cleared')).toHaveLength(1);
    expect((proxy.configView() as { valid: boolean }).valid).toBe(true);
  });

  it('bounds the series: a flood of bad keys is one more series, and one log line', async () => {
    const { proxy, registry, lines } = proxyWithLog();
    proxy.recordRejections(Array.from({ length: 1000 }, (_, i) => rejected(`k/${i}`)));
    const text = await registry.metrics();
    expect(text.match(/^meshdev_config_rejected_documents\{/gm)).toHaveLength(MAX_REJECTED_KEY_SERIES + 1);
    expect(text).toContain(
      `meshdev_config_rejected_documents{key="${OTHER_KEYS_LABEL}"} ${1000 - MAX_REJECTED_KEY_SERIES}`,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toMatch(/rejected 1000 live config document\(s\): .*\(980 more\)/);
  });
});
