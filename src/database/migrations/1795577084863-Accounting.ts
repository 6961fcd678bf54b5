import { MigrationInterface, QueryRunner } from "typeorm";

export class Accounting1795577084863 implements MigrationInterface {
    name = 'Accounting1795577084863'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "accounting_runs" ("id" BIGSERIAL NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE, "sessions_charged" integer NOT NULL DEFAULT '0', "seconds_charged" bigint NOT NULL DEFAULT '0', "sessions_stopped" integer NOT NULL DEFAULT '0', "stale_closed" integer NOT NULL DEFAULT '0', "tokens_expired" integer NOT NULL DEFAULT '0', "error" text, "trigger" character varying(16) NOT NULL, "instance" character varying(255) NOT NULL, CONSTRAINT "PK_b0534e1d616d22c84f4ba5714ae" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_accounting_runs_started" ON "accounting_runs"  ("started_at") `);
        await queryRunner.query(`CREATE TABLE "accounting_sessions" ("id" BIGSERIAL NOT NULL, "acct_unique_id" character(32) NOT NULL, "acct_session_id" character varying(253) NOT NULL, "user_id" integer, "username" character varying(253) NOT NULL, "nas_identifier" character varying(253) NOT NULL DEFAULT '', "nas_ip_address" inet, "nas_port_id" character varying(253) NOT NULL DEFAULT '', "calling_station_id" character varying(253) NOT NULL DEFAULT '', "called_station_id" character varying(253) NOT NULL DEFAULT '', "framed_ip_address" inet, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_update_at" TIMESTAMP WITH TIME ZONE NOT NULL, "stopped_at" TIMESTAMP WITH TIME ZONE, "session_time" bigint NOT NULL DEFAULT '0', "input_octets" bigint NOT NULL DEFAULT '0', "output_octets" bigint NOT NULL DEFAULT '0', "charged_seconds" bigint NOT NULL DEFAULT '0', "overage_seconds" bigint NOT NULL DEFAULT '0', "status" character varying(8) NOT NULL DEFAULT 'open', "terminate_cause" character varying(32), "stop_received" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_9b8f7fb192138594acd72c22ccd" UNIQUE ("acct_unique_id"), CONSTRAINT "CHK_accounting_sessions_overage" CHECK ("overage_seconds" >= 0 AND "overage_seconds" <= GREATEST("charged_seconds", 0)), CONSTRAINT "CHK_accounting_sessions_status" CHECK ("status" IN ('open', 'closed')), CONSTRAINT "PK_12050c618b68986caf43413e3af" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_accounting_sessions_user_started" ON "accounting_sessions"  ("user_id", "started_at") `);
        await queryRunner.query(`CREATE INDEX "IDX_accounting_sessions_open_nas_ip" ON "accounting_sessions"  ("nas_ip_address") WHERE "status" = 'open'`);
        await queryRunner.query(`CREATE INDEX "IDX_accounting_sessions_open_nas_identifier" ON "accounting_sessions"  ("nas_identifier") WHERE "status" = 'open'`);
        await queryRunner.query(`CREATE INDEX "IDX_accounting_sessions_open_last_update" ON "accounting_sessions"  ("last_update_at") WHERE "status" = 'open'`);
        await queryRunner.query(`CREATE INDEX "IDX_accounting_sessions_open_user" ON "accounting_sessions"  ("user_id") WHERE "status" = 'open'`);
        await queryRunner.query(`CREATE TABLE "balance_ledger" ("id" BIGSERIAL NOT NULL, "user_id" integer, "username" character varying(253) NOT NULL, "kind" character varying(16) NOT NULL, "delta_seconds" bigint NOT NULL, "overage_seconds" bigint NOT NULL DEFAULT '0', "balance_after" bigint NOT NULL, "session_id" bigint, "actor_user_id" integer, "reason" character varying(255) NOT NULL DEFAULT '', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "CHK_balance_ledger_kind" CHECK ("kind" IN ('top_up', 'adjustment', 'session')), CONSTRAINT "PK_0a98088b8fe8aaa77f7ba363421" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_balance_ledger_user" ON "balance_ledger"  ("user_id", "id") `);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD CONSTRAINT "FK_a22df941007ee49cfec1bbef974" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "balance_ledger" ADD CONSTRAINT "FK_9ee952107d4912d6ab4aaf037ec" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "balance_ledger" ADD CONSTRAINT "FK_9f8a5c026f780d1716347dc37a0" FOREIGN KEY ("session_id") REFERENCES "accounting_sessions"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "balance_ledger" ADD CONSTRAINT "FK_c397c2df5c1de1261ef5648181f" FOREIGN KEY ("actor_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "balance_ledger" DROP CONSTRAINT "FK_c397c2df5c1de1261ef5648181f"`);
        await queryRunner.query(`ALTER TABLE "balance_ledger" DROP CONSTRAINT "FK_9f8a5c026f780d1716347dc37a0"`);
        await queryRunner.query(`ALTER TABLE "balance_ledger" DROP CONSTRAINT "FK_9ee952107d4912d6ab4aaf037ec"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP CONSTRAINT "FK_a22df941007ee49cfec1bbef974"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_balance_ledger_user"`);
        await queryRunner.query(`DROP TABLE "balance_ledger"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_accounting_sessions_open_user"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_accounting_sessions_open_last_update"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_accounting_sessions_open_nas_identifier"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_accounting_sessions_open_nas_ip"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_accounting_sessions_user_started"`);
        await queryRunner.query(`DROP TABLE "accounting_sessions"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_accounting_runs_started"`);
        await queryRunner.query(`DROP TABLE "accounting_runs"`);
    }

}
