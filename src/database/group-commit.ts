/** What applying one item of a group came to: its value, or the error that refused it alone. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Waiting<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitLimits {
  /**
   * How long the first item waits for others before its group may start. 0: no wait at all, an item
   * starts a group as soon as fewer than `maxGroupsInFlight` are being applied (it shares one only
   * with the items that arrived while all of them were).
   */
  windowMs: number;
  /**
   * Start an item at once when no group is being applied (reads: nothing to wait for when idle);
   * under load, items still gather for `windowMs`.
   */
  startWhenIdle?: boolean;
  /** The most items in one group. */
  maxItems: number;
  /** Groups being applied at once; items arriving meanwhile wait and form the next group. */
  maxGroupsInFlight: number;
}

/**
 * The window of the read queues (credentials, balance polls, authorize attempts), which start an item
 * at once when idle (`startWhenIdle`): under load, a read waits this long for others to share its
 * statement. Measured with bench:poll and bench:radius: with no wait at all, groups stayed small (the
 * slots filled with single reads): the balance poll ran at 1.45–1.80× the bare server, against
 * 1.66–2.17× with this window, and Access-Request at 1.18–1.42× FreeRADIUS, against 1.30–1.80×.
 */
export const READ_WINDOW_MS = 1;

/**
 * Group commit: items submitted within `windowMs` of the first one waiting (at most `maxItems`) are
 * handed to `apply` together, which answers one outcome per item, in order; each submitter's promise
 * settles with its own outcome, so an item is answered only once its whole group is done (committed).
 * While `maxGroupsInFlight` groups are being applied, new items keep gathering, so under load the
 * groups grow with it instead of staying as small as the window. If `apply` itself fails, every item
 * of the group fails with that error.
 */
export class GroupCommitQueue<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The first waiting item has waited its window. */
  private due = false;
  private inFlight = 0;

  constructor(
    private readonly limits: GroupCommitLimits,
    private readonly apply: (items: T[]) => Promise<Outcome<R>[]>,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.limits.windowMs === 0) this.due = true;
      else if (this.waiting.length === 1) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.due = true;
          this.startGroups();
        }, this.limits.windowMs);
      }
      this.startGroups();
    });
  }

  private startGroups(): void {
    while (
      this.inFlight < this.limits.maxGroupsInFlight && this.waiting.length > 0
      && (this.due || this.waiting.length >= this.limits.maxItems || (this.limits.startWhenIdle === true && this.inFlight === 0))
    ) {
      const group = this.waiting.splice(0, this.limits.maxItems);
      if (this.waiting.length === 0) {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.due = false;
      }
      this.inFlight += 1;
      void this.run(group).finally(() => {
        this.inFlight -= 1;
        this.startGroups();
      });
    }
  }

  private async run(group: Waiting<T, R>[]): Promise<void> {
    try {
      const outcomes = await this.apply(group.map((waiting) => waiting.item));
      group.forEach((waiting, index) => {
        const outcome = outcomes[index];
        if (!outcome) waiting.reject(new Error('group commit: no outcome for this item'));
        else if (outcome.ok) waiting.resolve(outcome.value);
        else waiting.reject(outcome.error);
      });
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
    }
  }
}
