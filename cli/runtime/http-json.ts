import { request } from 'undici';

/** GET `url` and parse its JSON body; anything but a 200 within `timeoutMs` is an error. */
export async function getJson<T>(url: string, timeoutMs = 2000): Promise<T> {
  const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`${url} answered ${res.statusCode}`);
  }
  return (await res.body.json()) as T;
}
