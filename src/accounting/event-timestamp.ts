/**
 * Event-Timestamp in every form FreeRADIUS and gateways send it:
 * - Unix seconds (`1795999426`, RADIUS on the wire, or `%{integer:Event-Timestamp}`);
 * - FreeRADIUS's printed date (rlm_rest, detail files): `strftime("%b %e %Y %H:%M:%S %Z", localtime())`,
 *   i.e. the host's local time with its zone abbreviation, e.g. `"Dec  1 2026 08:43:46 CET"`, or with a
 *   numeric abbreviation for zones tzdata gives none (`"Dec  1 2026 10:43:46 +03"`, `+0530`);
 * - ISO 8601 with an explicit offset (`2026-12-01T07:43:46Z`, `…+01:00`);
 * - the HTTP date (RFC 7231 IMF-fixdate, JavaScript's `toUTCString()`): `Tue, 01 Dec 2026 07:43:46 GMT`.
 *
 * An abbreviation names a local time only when it means one offset: CST (US −6, China +8, Cuba −5),
 * CDT, IST (India, Ireland, Israel) and PST (US, Philippines) do not, and neither does an abbreviation
 * we do not know. Those answer `ambiguous`: the caller uses the arrival time instead.
 */
export type TimestampReading =
  | { kind: 'time'; at: Date }
  | { kind: 'ambiguous'; reason: string }
  | { kind: 'invalid' };

/**
 * Abbreviations glibc prints (tzdata 2024+) that mean one UTC offset, in minutes east of UTC.
 * Built from `TZ=<zone> date +'%Z %z'` over every zone in /usr/share/zoneinfo, winter and summer.
 */
const ZONE_OFFSETS: Record<string, number> = {
  UTC: 0, UT: 0, GMT: 0, Z: 0, WET: 0, WEST: 60, BST: 60, CET: 60, CEST: 120, MET: 60, MEST: 120, WAT: 60,
  EET: 120, EEST: 180, CAT: 120, SAST: 120, MSK: 180, EAT: 180, IDT: 180, PKT: 300, WIB: 420, WITA: 480, WIT: 540,
  HKT: 480, AWST: 480, JST: 540, KST: 540, ACST: 570, ACDT: 630, AEST: 600, AEDT: 660, CHST: 600, NZST: 720, NZDT: 780,
  NST: -210, NDT: -150, AST: -240, ADT: -180, EST: -300, EDT: -240, MST: -420, MDT: -360, PDT: -420,
  AKST: -540, AKDT: -480, HST: -600, HDT: -540, SST: -660,
};

/** Abbreviations tzdata uses for more than one offset. */
const AMBIGUOUS_ZONES = new Set(['CST', 'CDT', 'IST', 'PST']);

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** `%b %e %Y %H:%M:%S %Z`: `%e` pads the day with a space. Quotes appear when FreeRADIUS quotes the value. */
const FREERADIUS_DATE = /^"?([A-Za-z]{3}) +(\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([A-Za-z]{1,6}|[+-]\d{2}(?:\d{2})?)"?$/;
const HTTP_DATE = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i;

function offsetMinutes(zone: string): number | undefined {
  const numeric = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (numeric) {
    const minutes = Number(numeric[2]) * 60 + Number(numeric[3] ?? 0);
    return minutes > 14 * 60 ? undefined : numeric[1] === '-' ? -minutes : minutes;
  }
  return ZONE_OFFSETS[zone.toUpperCase()];
}

/** A wall-clock time at `offset` minutes east of UTC, if every field is in range. */
function fromLocal(year: number, month: number, day: number, h: number, m: number, s: number, offset: number): Date | undefined {
  const local = Date.UTC(year, month, day, h, m, s);
  const check = new Date(local);
  if (check.getUTCMonth() !== month || check.getUTCDate() !== day || h > 23 || m > 59 || s > 59) return undefined;
  return new Date(local - offset * 60_000);
}

export function readEventTimestamp(value: string | number): TimestampReading {
  const text = String(value).trim();
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return seconds > 0 && seconds <= 4294967295 ? { kind: 'time', at: new Date(seconds * 1000) } : { kind: 'invalid' };
  }
  const printed = FREERADIUS_DATE.exec(text);
  if (printed) {
    const [, monthName, day, year, h, m, s, zone] = printed as unknown as [string, string, string, string, string, string, string, string];
    const month = MONTHS.indexOf(monthName.toLowerCase());
    if (month < 0) return { kind: 'invalid' };
    if (AMBIGUOUS_ZONES.has(zone.toUpperCase())) return { kind: 'ambiguous', reason: `zone "${zone}" means more than one UTC offset` };
    const offset = offsetMinutes(zone);
    if (offset === undefined) return { kind: 'ambiguous', reason: `unknown zone "${zone}"` };
    const at = fromLocal(Number(year), month, Number(day), Number(h), Number(m), Number(s), offset);
    return at ? { kind: 'time', at } : { kind: 'invalid' };
  }
  const http = HTTP_DATE.exec(text);
  if (http) {
    const [, day, monthName, year, h, m, s] = http as unknown as [string, string, string, string, string, string, string];
    const month = MONTHS.indexOf(monthName.toLowerCase());
    const at = month < 0 ? undefined : fromLocal(Number(year), month, Number(day), Number(h), Number(m), Number(s), 0);
    return at ? { kind: 'time', at } : { kind: 'invalid' };
  }
  const iso = ISO_DATE.exec(text);
  if (iso) {
    const [, year, month, day, h, m, s, zone] = iso;
    if (zone === undefined) return { kind: 'ambiguous', reason: 'ISO 8601 time without an offset' };
    const offset = zone.toUpperCase() === 'Z' ? 0 : offsetMinutes(zone);
    if (offset === undefined) return { kind: 'invalid' };
    const at = fromLocal(Number(year), Number(month) - 1, Number(day), Number(h), Number(m), Number(s), offset);
    return at ? { kind: 'time', at } : { kind: 'invalid' };
  }
  return { kind: 'invalid' };
}
