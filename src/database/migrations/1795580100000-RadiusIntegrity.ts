import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * RADIUS integrity (issue 9): NAS clients require a Message-Authenticator (true for new clients, false
 * for the ones that exist, as FreeRADIUS does on upgrade, so no running NAS is cut off), may be linked
 * to the gateway account that posts their HTTP accounting, hold encrypted secrets (longer); sessions
 * are bound to the NAS client that reported them.
 */
export class RadiusIntegrity1795580100000 implements MigrationInterface {
    name = 'RadiusIntegrity1795580100000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "nas_clients" ADD "require_message_authenticator" boolean NOT NULL DEFAULT false`);
        await queryRunner.query(`ALTER TABLE "nas_clients" ALTER COLUMN "require_message_authenticator" SET DEFAULT true`);
        await queryRunner.query(`ALTER TABLE "nas_clients" ADD "gateway_user_id" integer`);
        await queryRunner.query(`ALTER TABLE "nas_clients" ADD CONSTRAINT "UQ_nas_clients_gateway_user_id" UNIQUE ("gateway_user_id")`);
        await queryRunner.query(`ALTER TABLE "nas_clients" ADD CONSTRAINT "FK_nas_clients_gateway_user_id" FOREIGN KEY ("gateway_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "nas_clients" ALTER COLUMN "secret" TYPE character varying(512)`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "nas_client_id" integer`);
        await queryRunner.query(`CREATE INDEX "IDX_accounting_sessions_nas_client" ON "accounting_sessions" ("nas_client_id") `);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD CONSTRAINT "FK_accounting_sessions_nas_client_id" FOREIGN KEY ("nas_client_id") REFERENCES "nas_clients"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP CONSTRAINT "FK_accounting_sessions_nas_client_id"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_accounting_sessions_nas_client"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "nas_client_id"`);
        await queryRunner.query(`ALTER TABLE "nas_clients" ALTER COLUMN "secret" TYPE character varying(128)`);
        await queryRunner.query(`ALTER TABLE "nas_clients" DROP CONSTRAINT "FK_nas_clients_gateway_user_id"`);
        await queryRunner.query(`ALTER TABLE "nas_clients" DROP CONSTRAINT "UQ_nas_clients_gateway_user_id"`);
        await queryRunner.query(`ALTER TABLE "nas_clients" DROP COLUMN "gateway_user_id"`);
        await queryRunner.query(`ALTER TABLE "nas_clients" DROP COLUMN "require_message_authenticator"`);
    }

}
