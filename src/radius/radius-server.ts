import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DuplicateCache } from './duplicate-cache.js';
import { NasDirectory, type NasPeer } from './nas-directory.js';
import { decodeRequest, type RadiusRequest } from './radius-codec.js';
import { radiusMetrics, type DropReason } from './radius-metrics.js';
import { RadiusRequestsService } from './radius-requests.service.js';

type Listener = 'auth' | 'acct';

const EXPECTED_CODE: Record<Listener, string> = { auth: 'Access-Request', acct: 'Accounting-Request' };

/** A drop is logged at most once a minute per reason and source, so a flood cannot flood the log too. */
const DROP_LOG_INTERVAL_MS = 60_000;

/**
 * The RADIUS UDP listeners (RFC 2865 authentication, RFC 2866 accounting), on when RADIUS_ENABLED=true.
 * Each packet: beyond RADIUS_MAX_IN_FLIGHT packets in progress it is dropped at once; its source must
 * be a NAS client and it must be signed with that client's secret (with a Message-Authenticator on an
 * Access-Request when the client requires one), else it is dropped, logged and counted before any
 * work (no password check); a retransmit gets the cached answer; beyond
 * RADIUS_MAX_IN_FLIGHT_PER_CLIENT requests of its NAS in progress it is dropped; otherwise it goes
 * to RadiusRequestsService. Only the service listens: CLI commands (no HTTP server) never do.
 */
@Injectable()
export class RadiusServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Radius');
  private readonly sockets = new Map<Listener, Socket>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Requests being processed (not yet answered), per NAS client id. */
  private readonly processing = new Map<number, number>();
  private readonly duplicates: DuplicateCache;
  private readonly dropLogged = new Map<string, number>();

  constructor(
    private readonly directory: NasDirectory,
    private readonly requests: RadiusRequestsService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.duplicates = new DuplicateCache(config.radius.duplicateWindowSeconds * 1000);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { enabled, bind, authPort, acctPort } = this.config.radius;
    if (!enabled || !this.adapterHost.httpAdapter) return;
    await this.listen('auth', bind, authPort);
    await this.listen('acct', bind, acctPort);
    this.logger.log(`RADIUS listening on ${bind}: authentication ${this.port('auth')}/udp, accounting ${this.port('acct')}/udp`);
  }

  /** Stops taking packets, lets the ones in progress finish and answer, then closes the sockets. */
  async onModuleDestroy(): Promise<void> {
    for (const socket of this.sockets.values()) socket.removeAllListeners('message');
    await Promise.allSettled(this.inFlight);
    await Promise.all([...this.sockets.values()].map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    this.sockets.clear();
  }

  /** The bound port of a listener (useful with port 0: any free port), or undefined when not listening. */
  port(listener: Listener): number | undefined {
    return this.sockets.get(listener)?.address().port;
  }

  private async listen(listener: Listener, address: string, port: number): Promise<void> {
    const socket = createSocket({ type: isIP(address) === 6 ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (error) => this.logger.error(`RADIUS ${listener} socket: ${error.message}`));
    socket.on('message', (message, remote) => {
      radiusMetrics.received.inc({ listener });
      if (this.inFlight.size >= this.config.radius.maxInFlight) {
        this.drop('overloaded', remote, `${this.inFlight.size} packets in progress (RADIUS_MAX_IN_FLIGHT)`);
        return;
      }
      const work = this.handle(listener, socket, message, remote).catch((error: unknown) => {
        radiusMetrics.dropped.inc({ reason: 'internal_error' });
        this.logger.error(`RADIUS ${listener} packet from ${remote.address}:${remote.port} failed: ${error instanceof Error ? error.stack : String(error)}`);
      });
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    });
    this.sockets.set(listener, socket);
  }

  private async handle(listener: Listener, socket: Socket, message: Buffer, remote: RemoteInfo): Promise<void> {
    const nas = await this.directory.lookup(remote.address);
    if (!nas) return this.drop('unknown_client', remote, 'not a NAS client (add it with POST /api/v1/nas/ or `nas:add`)');
    const decoded = decodeRequest(message, nas.secret, { requireMessageAuthenticator: nas.requireMessageAuthenticator });
    if (!decoded.ok) return this.drop(decoded.reason, remote, `NAS "${nas.name}": ${decoded.message}`);
    const request = decoded.request;
    if (request.code !== EXPECTED_CODE[listener]) return this.drop('unexpected_code', remote, `NAS "${nas.name}": ${request.code} on the ${listener} port`);

    const key = `${listener}|${remote.address}|${request.identifier}|${request.authenticator}`;
    const cached = this.duplicates.find(key);
    if (cached) {
      radiusMetrics.duplicates.inc({ listener });
      const answer = await cached.catch(() => undefined);
      if (answer) this.send(socket, answer, remote);
      return;
    }
    const busy = this.processing.get(nas.id) ?? 0;
    if (busy >= this.config.radius.maxInFlightPerClient) {
      return this.drop('overloaded', remote, `NAS "${nas.name}": ${busy} requests in progress (RADIUS_MAX_IN_FLIGHT_PER_CLIENT)`);
    }
    this.processing.set(nas.id, busy + 1);
    const response = this.process(listener, request, nas).finally(() => this.release(nas.id));
    this.duplicates.remember(key, response);
    const answer = await response;
    if (answer) this.send(socket, answer, remote);
  }

  private release(nasId: number): void {
    const busy = (this.processing.get(nasId) ?? 1) - 1;
    if (busy > 0) this.processing.set(nasId, busy);
    else this.processing.delete(nasId);
  }

  private process(listener: Listener, request: RadiusRequest, nas: NasPeer): Promise<Buffer | undefined> {
    switch (listener) {
      case 'auth':
        return this.requests.access(request, nas);
      case 'acct':
        return this.requests.accounting(request, nas);
    }
  }

  private send(socket: Socket, answer: Buffer, remote: RemoteInfo): void {
    socket.send(answer, remote.port, remote.address, (error) => {
      if (error) this.logger.warn(`RADIUS answer to ${remote.address}:${remote.port} not sent: ${error.message}`);
    });
  }

  private drop(reason: DropReason, remote: RemoteInfo, detail: string): void {
    radiusMetrics.dropped.inc({ reason });
    const key = `${reason}|${remote.address}`;
    const now = performance.now();
    if ((this.dropLogged.get(key) ?? Number.NEGATIVE_INFINITY) > now - DROP_LOG_INTERVAL_MS) return;
    if (this.dropLogged.size > 10_000) this.dropLogged.clear();
    this.dropLogged.set(key, now);
    this.logger.warn(`RADIUS packet from ${remote.address}:${remote.port} dropped (${reason}): ${detail}`);
  }
}
