import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * aaa_profiles.exhausts_at: when the subscriber's balance is predicted to reach 0 with its live
 * sessions (never later than it really does; NULL without live sessions), indexed for the exhaustion
 * timer, which wakes at the earliest one.
 */
export class ExhaustionTime1795581000000 implements MigrationInterface {
    name = 'ExhaustionTime1795581000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "aaa_profiles" ADD "exhausts_at" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`CREATE INDEX "IDX_aaa_profiles_exhausts_at" ON "aaa_profiles" ("exhausts_at") WHERE "exhausts_at" IS NOT NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."IDX_aaa_profiles_exhausts_at"`);
        await queryRunner.query(`ALTER TABLE "aaa_profiles" DROP COLUMN "exhausts_at"`);
    }

}
