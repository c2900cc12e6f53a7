import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Accounts an administrator disabled (CLI user:disable) keep their data but cannot sign in. */
export class AddUserDisabledAt1795623000000 implements MigrationInterface {
  name = 'AddUserDisabledAt1795623000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "disabled_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "disabled_at"`);
  }
}
