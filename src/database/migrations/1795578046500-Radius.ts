import { MigrationInterface, QueryRunner } from "typeorm";

/** RADIUS: the NAS clients allowed to talk to the UDP listeners, and Disconnect-Request results on sessions. */
export class Radius1795578046500 implements MigrationInterface {
    name = 'Radius1795578046500'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "nas_clients" ("id" SERIAL NOT NULL, "name" character varying(64) NOT NULL, "ip_address" cidr NOT NULL, "secret" character varying(128) NOT NULL, "coa_port" integer NOT NULL DEFAULT '3799', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "UQ_nas_clients_name" UNIQUE ("name"), CONSTRAINT "UQ_nas_clients_ip_address" UNIQUE ("ip_address"), CONSTRAINT "CHK_nas_clients_coa_port" CHECK ("coa_port" BETWEEN 1 AND 65535), CONSTRAINT "PK_nas_clients" PRIMARY KEY ("id"))`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "disconnect_status" character varying(16)`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "disconnect_attempts" integer NOT NULL DEFAULT '0'`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "disconnect_at" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "disconnect_error" character varying(64)`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD CONSTRAINT "CHK_accounting_sessions_disconnect_status" CHECK ("disconnect_status" IN ('pending', 'ack', 'nak', 'timeout', 'no_nas'))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP CONSTRAINT "CHK_accounting_sessions_disconnect_status"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "disconnect_error"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "disconnect_at"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "disconnect_attempts"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "disconnect_status"`);
        await queryRunner.query(`DROP TABLE "nas_clients"`);
    }

}
