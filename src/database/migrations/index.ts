import { InitialSchema1795576587260 } from './1795576587260-InitialSchema.js';
import { Accounting1795577084863 } from './1795577084863-Accounting.js';
import { Radius1795578046500 } from './1795578046500-Radius.js';
import { HotUpdateFillfactor1795579000000 } from './1795579000000-HotUpdateFillfactor.js';
import { RadiusIntegrity1795580100000 } from './1795580100000-RadiusIntegrity.js';
import { AuthThrottle1795580300000 } from './1795580300000-AuthThrottle.js';
import { AccountingRecords1795580400000 } from './1795580400000-AccountingRecords.js';
import { ExhaustionTime1795581000000 } from './1795581000000-ExhaustionTime.js';
import { AuthThrottleAttempt1795581100000 } from './1795581100000-AuthThrottleAttempt.js';
import { SubscriberCharging1795590000000 } from './1795590000000-SubscriberCharging.js';
import { NasClientOrganization1795593000000 } from './1795593000000-NasClientOrganization.js';
import { MaxSessions1795594000000 } from './1795594000000-MaxSessions.js';
import { Vouchers1795594010000 } from './1795594010000-Vouchers.js';
import { SessionsOnlineCoa1795595000000 } from './1795595000000-SessionsOnlineCoa.js';
import { AuthThrottleKeyLookup1795596000000 } from './1795596000000-AuthThrottleKeyLookup.js';

/**
 * Every migration, in order. `npm run migration:generate -- src/database/migrations/<Name>` writes a
 * new file; add its class here. Merged migrations are never edited.
 */
export const MIGRATIONS: Function[] = [
  InitialSchema1795576587260,
  Accounting1795577084863,
  Radius1795578046500,
  HotUpdateFillfactor1795579000000,
  RadiusIntegrity1795580100000,
  AuthThrottle1795580300000,
  AccountingRecords1795580400000,
  ExhaustionTime1795581000000,
  AuthThrottleAttempt1795581100000,
  SubscriberCharging1795590000000,
  NasClientOrganization1795593000000,
  MaxSessions1795594000000,
  Vouchers1795594010000,
  SessionsOnlineCoa1795595000000,
  AuthThrottleKeyLookup1795596000000,
];
