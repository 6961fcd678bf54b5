import { MigrationInterface, QueryRunner } from "typeorm";

export class InitialSchema1795576587260 implements MigrationInterface {
    name = 'InitialSchema1795576587260'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "users" ("id" SERIAL NOT NULL, "uuid" uuid NOT NULL DEFAULT gen_random_uuid(), "username" character varying(128) NOT NULL, "email" character varying(254) NOT NULL DEFAULT '', "first_name" character varying(150) NOT NULL DEFAULT '', "last_name" character varying(150) NOT NULL DEFAULT '', "password_hash" text, "is_active" boolean NOT NULL DEFAULT true, "is_staff" boolean NOT NULL DEFAULT false, "token_lifetime" integer, "date_joined" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_login" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_951b8f1dfc94ac1d0301a14b7e1" UNIQUE ("uuid"), CONSTRAINT "UQ_fe0bb3f6520ee0469504521e710" UNIQUE ("username"), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE TABLE "aaa_profiles" ("user_id" integer NOT NULL, "organization" character varying(128) NOT NULL DEFAULT '', "role" character varying(16) NOT NULL DEFAULT 'user', "permissions" text array NOT NULL DEFAULT '{}', "balance_seconds" bigint NOT NULL DEFAULT '0', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_aaa_profiles_role" CHECK ("role" IN ('admin', 'moderator', 'user', 'gateway')), CONSTRAINT "CHK_aaa_profiles_balance_non_negative" CHECK ("balance_seconds" >= 0), CONSTRAINT "PK_7552a0d15b45e548f90994bdc92" PRIMARY KEY ("user_id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_aaa_profiles_organization" ON "aaa_profiles"  ("organization") `);
        await queryRunner.query(`CREATE TABLE "auth_tokens" ("user_id" integer NOT NULL, "key_hash" character(64) NOT NULL, "created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_21db60c1af801327eb7be167440" UNIQUE ("key_hash"), CONSTRAINT "PK_9691367d446cd8b18f462c191b3" PRIMARY KEY ("user_id"))`);
        await queryRunner.query(`ALTER TABLE "aaa_profiles" ADD CONSTRAINT "FK_7552a0d15b45e548f90994bdc92" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "auth_tokens" ADD CONSTRAINT "FK_9691367d446cd8b18f462c191b3" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "auth_tokens" DROP CONSTRAINT "FK_9691367d446cd8b18f462c191b3"`);
        await queryRunner.query(`ALTER TABLE "aaa_profiles" DROP CONSTRAINT "FK_7552a0d15b45e548f90994bdc92"`);
        await queryRunner.query(`DROP TABLE "auth_tokens"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_aaa_profiles_organization"`);
        await queryRunner.query(`DROP TABLE "aaa_profiles"`);
        await queryRunner.query(`DROP TABLE "users"`);
    }

}
