import { MigrationInterface, QueryRunner } from "typeorm";

/** aaa_profiles.max_sessions: how many sessions a subscriber may have open at once (NULL: no limit). */
export class MaxSessions1795594000000 implements MigrationInterface {
    name = 'MaxSessions1795594000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "aaa_profiles" ADD "max_sessions" integer`);
        await queryRunner.query(`ALTER TABLE "aaa_profiles" ADD CONSTRAINT "CHK_aaa_profiles_max_sessions" CHECK ("max_sessions" >= 1)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "aaa_profiles" DROP CONSTRAINT "CHK_aaa_profiles_max_sessions"`);
        await queryRunner.query(`ALTER TABLE "aaa_profiles" DROP COLUMN "max_sessions"`);
    }

}
