import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Leaves free space in the pages of the two tables every accounting run rewrites, so the run's
 * updates (balance_seconds; charged_seconds and overage_seconds, none of them indexed) are HOT:
 * the new row version goes on the same page and no index is touched. Without it each charged
 * session also inserted into all 7 of its table's indexes. aaa_profiles at 50: a run updates a
 * whole page of profiles (consecutive user ids) in one batch, so a page needs room for a second
 * version of every row; sessions at 70: they are stored in arrival order, so one batch updates a
 * few rows per page and later batches reuse the space pruned from earlier runs.
 * Applies to pages written from now on (no table rewrite, no long lock).
 */
export class HotUpdateFillfactor1795579000000 implements MigrationInterface {
    name = 'HotUpdateFillfactor1795579000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "aaa_profiles" SET (fillfactor = 50)`);
        await queryRunner.query(`ALTER TABLE "accounting_sessions" SET (fillfactor = 70)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "accounting_sessions" RESET (fillfactor)`);
        await queryRunner.query(`ALTER TABLE "aaa_profiles" RESET (fillfactor)`);
    }

}
