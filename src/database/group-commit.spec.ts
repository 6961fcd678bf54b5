import { GroupCommitQueue, type Outcome } from './group-commit.js';

describe('GroupCommitQueue', () => {
  function recording(limits: { windowMs: number; startWhenIdle?: boolean; maxItems: number; maxGroupsInFlight: number }) {
    const groups: number[][] = [];
    const release: (() => void)[] = [];
    const queue = new GroupCommitQueue<number, string>(limits, async (items) => {
      groups.push(items);
      await new Promise<void>((resolve) => release.push(resolve));
      return items.map((item): Outcome<string> => (item < 0 ? { ok: false, error: new Error(`refused ${item}`) } : { ok: true, value: `applied ${item}` }));
    });
    return { queue, groups, release };
  }

  const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

  it('applies the items arriving within the window together and settles each with its own outcome', async () => {
    const { queue, groups, release } = recording({ windowMs: 5, maxItems: 10, maxGroupsInFlight: 1 });
    const answers = [1, -2, 3].map((item) => queue.submit(item).catch((error: Error) => error.message));
    await tick(20);
    expect(groups).toEqual([[1, -2, 3]]);
    release.shift()!();
    expect(await Promise.all(answers)).toEqual(['applied 1', 'refused -2', 'applied 3']);
  });

  it('starts a full group at once and never more than maxItems in one', async () => {
    const { queue, groups, release } = recording({ windowMs: 1000, maxItems: 2, maxGroupsInFlight: 5 });
    const answers = [1, 2, 3, 4, 5].map((item) => queue.submit(item));
    await tick();
    expect(groups).toEqual([[1, 2], [3, 4]]);
    release.splice(0).forEach((go) => go());
    expect(await Promise.all(answers.slice(0, 4))).toEqual(['applied 1', 'applied 2', 'applied 3', 'applied 4']);
    // The fifth waits for its window.
    expect(groups).toHaveLength(2);
  });

  it('gathers what arrives while the groups in flight are applied into the next group', async () => {
    const { queue, groups, release } = recording({ windowMs: 1, maxItems: 100, maxGroupsInFlight: 1 });
    const first = queue.submit(1);
    await tick(10);
    const later = [2, 3, 4].map((item) => queue.submit(item));
    await tick(10);
    expect(groups).toEqual([[1]]);
    release.shift()!();
    await first;
    await tick(10);
    expect(groups).toEqual([[1], [2, 3, 4]]);
    release.shift()!();
    expect(await Promise.all(later)).toEqual(['applied 2', 'applied 3', 'applied 4']);
  });

  it('with no window, starts an item at once while a group may start, and gathers the rest meanwhile', async () => {
    const { queue, groups, release } = recording({ windowMs: 0, maxItems: 100, maxGroupsInFlight: 2 });
    const answers = [1, 2, 3, 4, 5].map((item) => queue.submit(item));
    // No timer: the first two started synchronously, each alone.
    expect(groups).toEqual([[1], [2]]);
    release.shift()!();
    await answers[0];
    await tick();
    expect(groups).toEqual([[1], [2], [3, 4, 5]]);
    release.splice(0).forEach((go) => go());
    expect(await Promise.all(answers)).toEqual(['applied 1', 'applied 2', 'applied 3', 'applied 4', 'applied 5']);
  });

  it('starting when idle: an item with no group in flight starts at once; the others wait for the window or a free slot', async () => {
    const { queue, groups, release } = recording({ windowMs: 50, startWhenIdle: true, maxItems: 100, maxGroupsInFlight: 2 });
    const first = queue.submit(1);
    expect(groups).toEqual([[1]]);
    const more = [2, 3].map((item) => queue.submit(item));
    await tick(5);
    // A slot is free, but a group is in flight: 2 and 3 wait for their window...
    expect(groups).toEqual([[1]]);
    // ...or for the queue to be idle again.
    release.shift()!();
    await first;
    await tick();
    expect(groups).toEqual([[1], [2, 3]]);
    release.shift()!();
    expect(await Promise.all(more)).toEqual(['applied 2', 'applied 3']);
  });

  it('fails every item of a group whose apply fails', async () => {
    const queue = new GroupCommitQueue<number, string>({ windowMs: 1, maxItems: 10, maxGroupsInFlight: 1 }, () => Promise.reject(new Error('commit failed')));
    const answers = [1, 2].map((item) => queue.submit(item).catch((error: Error) => error.message));
    expect(await Promise.all(answers)).toEqual(['commit failed', 'commit failed']);
  });
});
