import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * accounting_rejected keeps every accounting record the service refused or could not apply, with
 * why and who reported it (the NAS client or gateway account a replay binds the session to), until it is replayed (or ACCOUNTING_REJECTED_RETENTION_DAYS pass). Sessions get
 * session_time_clamped (an absurd Acct-Session-Time was cut down), and terminate_cause room for
 * any cause a NAS sends.
 */
export class AccountingRecords1795580400000 implements MigrationInterface {
    name = 'AccountingRecords1795580400000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "accounting_rejected" (
            "id" BIGSERIAL NOT NULL,
            "received_at" TIMESTAMP WITH TIME ZONE NOT NULL,
            "source" character varying(8) NOT NULL,
            "source_detail" character varying(300) NOT NULL DEFAULT '',
            "nas_client_id" integer,
            "gateway_user_id" integer,
            "body" jsonb NOT NULL,
            "reason" text NOT NULL,
            "errors" jsonb,
            "replayed_at" TIMESTAMP WITH TIME ZONE,
            "replay_result" text,
            CONSTRAINT "CHK_accounting_rejected_source" CHECK ("source" IN ('http', 'radius')),
            CONSTRAINT "PK_accounting_rejected" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_accounting_rejected_received_at" ON "accounting_rejected" ("received_at")`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "session_time_clamped" boolean NOT NULL DEFAULT false`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ALTER COLUMN "terminate_cause" TYPE character varying(253)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`UPDATE "accounting_sessions" SET "terminate_cause" = left("terminate_cause", 32)`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ALTER COLUMN "terminate_cause" TYPE character varying(32)`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "session_time_clamped"`);
        await queryRunner.query(`DROP TABLE "accounting_rejected"`);
    }

}
