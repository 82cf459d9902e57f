import { describe, expect, it } from 'vitest';
import {
  classifyEngineFailure,
  parseComposeVersion,
  parseConsulVersion,
  parseDebootstrapVersion,
  parsePrometheusVersion,
  parseServerVersion,
} from './versions.js';

describe('parseComposeVersion', () => {
  it("reads Debian's plugin version", () => {
    expect(parseComposeVersion('Docker Compose version 2.26.1-4')).toEqual({
      version: '2.26.1-4',
      major: 2,
      isV2: true,
    });
  });

  it("reads upstream's v-prefixed version", () => {
    expect(parseComposeVersion('Docker Compose version v2.29.7\n')).toMatchObject({ version: '2.29.7', isV2: true });
  });

  it('recognises the Python v1 as not v2', () => {
    const v1 = 'docker-compose version 1.29.2, build unknown\ndocker-py version: 5.0.3\nCPython version: 3.11.2';
    expect(parseComposeVersion(v1)).toEqual({ version: '1.29.2', major: 1, isV2: false });
  });

  it('returns undefined when compose is not a docker command', () => {
    expect(parseComposeVersion("docker: 'compose' is not a docker command.\nSee 'docker --help'")).toBeUndefined();
  });
});

describe('version parsers', () => {
  it('reads the engine version', () => {
    expect(parseServerVersion('20.10.24+dfsg1\n')).toBe('20.10.24+dfsg1');
    expect(parseServerVersion('')).toBeUndefined();
  });

  it('reads consul, prometheus and debootstrap versions', () => {
    expect(parseConsulVersion('Consul v1.8.7\nProtocol 2 spoken by default')).toBe('1.8.7');
    expect(parsePrometheusVersion('prometheus, version 2.42.0+ds (branch: debian/sid, revision: 2.42.0+ds-5)')).toBe(
      '2.42.0+ds',
    );
    expect(parseDebootstrapVersion('debootstrap 1.0.128+nmu2+deb12u2')).toBe('1.0.128+nmu2+deb12u2');
    expect(parseConsulVersion('bash: consul: command not found')).toBeUndefined();
  });
});

describe('classifyEngineFailure', () => {
  it('tells a permission problem from a daemon that is not running', () => {
    expect(
      classifyEngineFailure(
        'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock',
      ),
    ).toBe('permission-denied');
    expect(
      classifyEngineFailure(
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      ),
    ).toBe('not-running');
    expect(classifyEngineFailure('something else')).toBe('other');
  });
});
