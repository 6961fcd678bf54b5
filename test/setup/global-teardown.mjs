export default async function globalTeardown() {
  await globalThis.__TIMEGATE_TEARDOWN__?.();
}
