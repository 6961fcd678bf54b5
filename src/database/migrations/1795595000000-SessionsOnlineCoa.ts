import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Who is online and top-ups that reach the NAS (RFC 5176 CoA):
 * - nas_clients.coa_enabled: CoA-Requests go to the client only when true (default true: a NAS that
 *   takes Disconnect-Requests on its CoA port takes CoA-Requests there too);
 * - accounting_sessions.coa_*: the latest CoA-Request sent for the session (new Session-Timeout) and
 *   its outcome, as disconnect_* records the Disconnect-Request's.
 */
export class SessionsOnlineCoa1795595000000 implements MigrationInterface {
    name = 'SessionsOnlineCoa1795595000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "nas_clients" ADD "coa_enabled" boolean NOT NULL DEFAULT true`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "coa_status" character varying(16)`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "coa_attempts" integer NOT NULL DEFAULT 0`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "coa_at" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "coa_error" character varying(64)`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "coa_session_timeout" bigint`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD CONSTRAINT "CHK_accounting_sessions_coa_status" CHECK ("coa_status" IN ('ack', 'nak', 'timeout', 'no_nas', 'disabled'))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP CONSTRAINT "CHK_accounting_sessions_coa_status"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "coa_session_timeout"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "coa_error"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "coa_at"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "coa_attempts"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "coa_status"`);
        await queryRunner.query(`ALTER TABLE "nas_clients" DROP COLUMN "coa_enabled"`);
    }

}
