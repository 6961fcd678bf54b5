import { Global, Module } from '@nestjs/common';
import { Clock } from './time/clock.js';

/** Cross-cutting providers every module may inject: the clock (replaced by a FakeClock in tests). */
@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class CommonModule {}
