import { observeSchedule } from './observed-schedule.js';

const at = (seconds: number, instance = 'host:1') => ({ startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)), instance });

describe('observeSchedule', () => {
  it('has no interval and no last run without scheduled runs', () => {
    expect(observeSchedule([])).toEqual({ intervalSeconds: null, last: null });
  });

  it('knows the last run but not the interval from one run', () => {
    expect(observeSchedule([at(30, 'a:7')])).toEqual({ intervalSeconds: null, last: { startedAt: at(30).startedAt, instance: 'a:7' } });
  });

  it('takes the median gap, so one late or doubled run does not move it', () => {
    // newest first: gaps 60, 60, 5 (a second replica), 61, 200 (a pause)
    const runs = [at(386), at(326), at(266), at(261), at(200), at(0)];
    expect(observeSchedule(runs).intervalSeconds).toBe(60);
  });

  it('averages the two middle gaps of an even count and rounds to whole seconds', () => {
    expect(observeSchedule([at(121), at(60), at(0)]).intervalSeconds).toBe(61);
    expect(observeSchedule([at(100), at(50), at(0)]).intervalSeconds).toBe(50);
  });
});
