/** What applying one item of a group came to: its value, or the error that refused it alone. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Waiting<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items submitted within `windowMs` of the first one waiting (at most `maxItems`) are
 * handed to `apply` together, which answers one outcome per item, in order; each submitter's promise
 * settles with its own outcome, so an item is answered only once its whole group is done (committed).
 * If `apply` itself fails, every item of the group fails with that error.
 */
export class GroupCommitQueue<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly maxItems: number,
    private readonly apply: (items: T[]) => Promise<Outcome<R>[]>,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length >= this.maxItems) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.waiting;
    this.waiting = [];
    this.apply(group.map((waiting) => waiting.item)).then(
      (outcomes) => {
        group.forEach((waiting, index) => {
          const outcome = outcomes[index];
          if (!outcome) waiting.reject(new Error('group commit: no outcome for this item'));
          else if (outcome.ok) waiting.resolve(outcome.value);
          else waiting.reject(outcome.error);
        });
      },
      (error: unknown) => {
        for (const waiting of group) waiting.reject(error);
      },
    );
  }
}
