import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Voucher batches (time sold on paper) and their vouchers: one subscriber each, whose password is the
 * code (hashed like every password). `code_sealed` keeps the code encrypted under SECRETS_KEY so the
 * batch's CSV can be downloaded again (NULL without SECRETS_KEY: the codes were shown once).
 * `valid_days` counts from the voucher's first session.
 */
export class Vouchers1795594010000 implements MigrationInterface {
    name = 'Vouchers1795594010000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "voucher_batches" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization" character varying(128) NOT NULL, "prefix" character varying(32) NOT NULL DEFAULT '', "count" integer NOT NULL, "balance_seconds" bigint NOT NULL, "valid_days" integer, "max_sessions" integer, "created_by" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "CHK_voucher_batches_count" CHECK ("count" BETWEEN 1 AND 10000), CONSTRAINT "CHK_voucher_batches_valid_days" CHECK ("valid_days" >= 1), CONSTRAINT "CHK_voucher_batches_max_sessions" CHECK ("max_sessions" >= 1), CONSTRAINT "PK_voucher_batches" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_voucher_batches_organization" ON "voucher_batches" ("organization", "created_at")`);
        await queryRunner.query(`ALTER TABLE "voucher_batches" ADD CONSTRAINT "FK_voucher_batches_created_by" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE SET NULL`);
        await queryRunner.query(`CREATE TABLE "vouchers" ("user_id" integer NOT NULL, "batch_id" uuid NOT NULL, "valid_days" integer, "code_sealed" text, CONSTRAINT "CHK_vouchers_valid_days" CHECK ("valid_days" >= 1), CONSTRAINT "PK_vouchers" PRIMARY KEY ("user_id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_vouchers_batch" ON "vouchers" ("batch_id", "user_id")`);
        await queryRunner.query(`ALTER TABLE "vouchers" ADD CONSTRAINT "FK_vouchers_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE`);
        await queryRunner.query(`ALTER TABLE "vouchers" ADD CONSTRAINT "FK_vouchers_batch" FOREIGN KEY ("batch_id") REFERENCES "voucher_batches"("id") ON DELETE CASCADE`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "vouchers"`);
        await queryRunner.query(`DROP TABLE "voucher_batches"`);
    }

}
