import type Docker from 'dockerode';
import { request } from 'undici';
import { MeshdevError } from '../errors.js';
import { containerAddress } from './address.js';
import { listProjectContainers } from './docker.js';
import { meshdevCommand } from '../invocation.js';

/** The load generator's metrics and control port inside its container (not published on the host). */
export const LOADGEN_CONTROL_PORT = 9464;

/**
 * One call to a mesh's load generator control API (`GET /state`, `PUT /rate`, `POST /pause|/resume`),
 * on its container address: what the UI's traffic keys and `meshdev chaos run` both use. Returns
 * the parsed JSON answer (undefined for an empty one).
 */
export async function loadgenRequest(
  docker: Docker,
  project: string,
  method: 'GET' | 'PUT' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const lg = (await listProjectContainers(docker, project)).find((c) => c.role === 'loadgen');
  if (lg === undefined || lg.state !== 'running') {
    throw new MeshdevError('ENOLOADGEN', `the load generator of ${project} is not running`, {
      fix: `enable it under \`loadgen:\` in mesh.yaml (it needs an ingress service) and run \`${meshdevCommand('up')}\``,
    });
  }
  const host = await containerAddress(docker, lg.id);
  const res = await request(`http://${host}:${LOADGEN_CONTROL_PORT}${path}`, {
    method,
    headersTimeout: 2000,
    bodyTimeout: 2000,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new MeshdevError('ELOADGEN', `load generator answered ${res.statusCode}: ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}
