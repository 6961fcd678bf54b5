/**
 * RFC 5080 §2.2.2 duplicate detection: a request seen again (same NAS, identifier and authenticator)
 * within `windowMs` gets the first one's response, and is never processed twice. The entry is the
 * response's promise, so a retransmit that arrives while the first is still being processed waits
 * for the same answer. A request that got no answer (undefined) is forgotten, so its retransmit is
 * processed again.
 */
export class DuplicateCache {
  private readonly entries = new Map<string, { at: number; response: Promise<Buffer | undefined> }>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The cached answer for `key`, or undefined (not a duplicate: the caller calls `remember`). */
  find(key: string): Promise<Buffer | undefined> | undefined {
    this.expire();
    return this.entries.get(key)?.response;
  }

  remember(key: string, response: Promise<Buffer | undefined>): void {
    this.entries.set(key, { at: this.now(), response });
    response.then(
      (answer) => {
        if (answer === undefined) this.entries.delete(key);
      },
      () => this.entries.delete(key),
    );
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries are in insertion order, so expired ones are at the front. */
  private expire(): void {
    const oldest = this.now() - this.windowMs;
    for (const [key, entry] of this.entries) {
      if (entry.at >= oldest) break;
      this.entries.delete(key);
    }
  }
}
