import { Injectable, Logger } from '@nestjs/common';
import { NasNetworkMatcher } from './nas-address.js';
import { NasClientsRepository } from './nas-clients.repository.js';
import { NasSecretCipher, SecretsKeyError } from './nas-secret-cipher.js';

/** What the RADIUS listeners need to know about a NAS client. */
export interface NasPeer {
  id: number;
  name: string;
  /** `cidr` text, e.g. `192.0.2.10/32`. */
  network: string;
  /** The shared secret, decrypted. */
  secret: string;
  coaPort: number;
  requireMessageAuthenticator: boolean;
  /** The organization it serves; null: shared, serving every organization. */
  organization: string | null;
}

/** How long a loaded copy of the NAS table is used before it is read again (other replicas' changes). */
export const NAS_DIRECTORY_TTL_MS = 5000;

/**
 * The NAS table in memory, so a packet costs no query to authenticate its source: reloaded every
 * few seconds, and at once after this process changes it.
 */
@Injectable()
export class NasDirectory {
  private readonly logger = new Logger('Radius');
  private matcher = new NasNetworkMatcher<NasPeer>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private generation = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly repository: NasClientsRepository,
    private readonly cipher: NasSecretCipher,
  ) {}

  invalidate(): void {
    this.generation += 1;
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  /** The NAS client whose network holds `address` (the most specific one), if any. */
  async lookup(address: string): Promise<NasPeer | undefined> {
    if (performance.now() - this.loadedAt > NAS_DIRECTORY_TTL_MS) await this.reload();
    return this.matcher.match(address);
  }

  private reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const generation = this.generation;
    const startedAt = performance.now();
    const matcher = new NasNetworkMatcher<NasPeer>();
    for (const client of await this.repository.findAll()) {
      let secret: string;
      try {
        secret = this.cipher.reveal(client.secret);
      } catch (error) {
        // Written by a replica with another SECRETS_KEY: this client's packets are dropped as unknown_client, the others still work.
        if (!(error instanceof SecretsKeyError)) throw error;
        this.logger.error(`NAS client "${client.name}" left out: ${error.message}`);
        continue;
      }
      matcher.add(client.ipAddress, {
        id: client.id,
        name: client.name,
        network: client.ipAddress,
        secret,
        coaPort: client.coaPort,
        requireMessageAuthenticator: client.requireMessageAuthenticator,
        organization: client.organization,
      });
    }
    this.matcher = matcher;
    if (generation === this.generation) this.loadedAt = startedAt;
  }
}
