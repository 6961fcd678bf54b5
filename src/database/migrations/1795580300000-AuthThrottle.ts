import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Counters of password and token checks per scope (username, client IP, calling station, failed keys
 * per IP), shared by every replica: one row per key holding the start of its current window and the
 * attempts counted in it. UNLOGGED: counters are short-lived and a crash may forget them (as a
 * restart of one process used to), in exchange for no WAL on every attempt. Expired rows are purged
 * by the service.
 */
export class AuthThrottle1795580300000 implements MigrationInterface {
    name = 'AuthThrottle1795580300000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE UNLOGGED TABLE "auth_throttle" ("scope" character varying(32) NOT NULL, "key" character varying(300) NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "count" integer NOT NULL, CONSTRAINT "PK_auth_throttle" PRIMARY KEY ("scope", "key"))`);
        await queryRunner.query(`CREATE INDEX "IDX_auth_throttle_window_start" ON "auth_throttle" ("window_start") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."IDX_auth_throttle_window_start"`);
        await queryRunner.query(`DROP TABLE "auth_throttle"`);
    }

}
