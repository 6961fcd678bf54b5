import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { register } from 'prom-client';
import { ensureDefaultMetrics, setOpenSessionsSource } from './metrics.js';
import { MetricsRepository } from './metrics.repository.js';

/** A scrape's answer must come quickly even when the database does not. */
const GAUGE_QUERY_TIMEOUT_MS = 2000;

@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  constructor(private readonly repository: MetricsRepository) {}

  onModuleInit(): void {
    ensureDefaultMetrics();
    setOpenSessionsSource(() => withTimeout(this.repository.countOpenSessions(), GAUGE_QUERY_TIMEOUT_MS));
  }

  onModuleDestroy(): void {
    setOpenSessionsSource(undefined);
  }

  get contentType(): string {
    return register.contentType;
  }

  /** Every metric of the default registry, in the Prometheus text format. */
  scrape(): Promise<string> {
    return register.metrics();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
