/** Runs one demo shop service by name. */
export async function runDemoService(name: string): Promise<void> {
  throw new Error(`demo service ${name}: not built yet`);
}
