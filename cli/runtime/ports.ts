import { createServer } from 'node:net';

/** True when nothing listens on 127.0.0.1:port (we can bind it ourselves for a moment). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolvePromise(true));
    });
  });
}

/** The ports among `wanted` that are taken by something other than this mesh. */
export async function busyPorts(
  wanted: ReadonlyArray<{ name: string; port: number }>,
  ownedByMesh: ReadonlySet<number>,
): Promise<Array<{ name: string; port: number }>> {
  const checks = await Promise.all(
    wanted.map(async (w) => ({ ...w, free: ownedByMesh.has(w.port) || (await isPortFree(w.port)) })),
  );
  return checks.filter((c) => !c.free).map(({ name, port }) => ({ name, port }));
}
