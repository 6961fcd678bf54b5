import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `nas_clients.organization`: the tenant a NAS client serves (see src/auth/organization-scope.ts).
 * Null, what every existing client gets, is a shared NAS client: staff's, serving every organization
 * as before.
 */
export class NasClientOrganization1795593000000 implements MigrationInterface {
    name = 'NasClientOrganization1795593000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "nas_clients" ADD "organization" character varying(128)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "nas_clients" DROP COLUMN "organization"`);
    }
}
