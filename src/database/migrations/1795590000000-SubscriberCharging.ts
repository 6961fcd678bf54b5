import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Charging per subscriber: aaa_profiles.settled_at (every burning session of the subscriber is
 * charged up to it) and open_sessions (how many burn), accounting_sessions.burning and charged_at
 * (a burning session's stored charge is as of charged_at). Sessions open at the migration do not
 * burn yet: the next accounting run charges each up to then and lets it burn (its "not burning"
 * step, on the partial index below), so nothing is lost or charged twice. The run's charge step
 * walks the subscribers with burning sessions by IDX_aaa_profiles_burning. The exhaustion
 * predictions are dropped with them: the same run makes them again.
 */
export class SubscriberCharging1795590000000 implements MigrationInterface {
    name = 'SubscriberCharging1795590000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "aaa_profiles" ADD "settled_at" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`ALTER TABLE "aaa_profiles" ADD "open_sessions" integer NOT NULL DEFAULT '0'`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "burning" boolean NOT NULL DEFAULT false`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" ADD "charged_at" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`UPDATE "aaa_profiles" SET "exhausts_at" = NULL WHERE "exhausts_at" IS NOT NULL`);
        await queryRunner.query(`CREATE INDEX "IDX_accounting_sessions_open_not_burning" ON "accounting_sessions" ("user_id") WHERE "status" = 'open' AND NOT "burning" AND "user_id" IS NOT NULL`);
        await queryRunner.query(`CREATE INDEX "IDX_aaa_profiles_burning" ON "aaa_profiles" ("user_id") WHERE "open_sessions" > 0`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."IDX_aaa_profiles_burning"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_accounting_sessions_open_not_burning"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "charged_at"`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" DROP COLUMN "burning"`);
        await queryRunner.query(`ALTER TABLE "aaa_profiles" DROP COLUMN "open_sessions"`);
        await queryRunner.query(`ALTER TABLE "aaa_profiles" DROP COLUMN "settled_at"`);
    }

}
