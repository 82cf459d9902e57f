import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { UpProgressView } from './UpProgress.js';
import { finishUpProgress, foldUpLine } from '../runtime/compose-progress.js';
import { INITIAL_UP_PROGRESS } from '../runtime/compose-progress.js';

describe('UpProgressView', () => {
  it('draws done steps with a check, the running one with its bar and detail, notes above', () => {
    const state = [
      'no registry answered; air-gapped mode',
      'pulling prom/prometheus:v2.53',
      '2/4 layers done, 30.0/60.0 MB downloaded',
    ].reduce(foldUpLine, foldUpLine(INITIAL_UP_PROGRESS, 'rendered /x/compose.yaml'));
    const { lastFrame } = render(<UpProgressView state={state} width={100} />);
    const frame = lastFrame() ?? '';
    expect(frame).toContain('no registry answered; air-gapped mode');
    expect(frame).toMatch(/✓ render Compose file\s+\/x\/compose\.yaml/);
    expect(frame).toMatch(/pull prom\/prometheus:v2\.53 .*█.*2\/4 layers done/);
  });

  it('marks the step that failed', () => {
    const state = finishUpProgress(foldUpLine(INITIAL_UP_PROGRESS, 'waiting for consul: not passing yet: a-1'), false);
    const { lastFrame } = render(<UpProgressView state={state} width={100} />);
    expect(lastFrame()).toMatch(/✗ wait for Consul health and Prometheus\s+consul: not passing yet: a-1/);
  });
});
