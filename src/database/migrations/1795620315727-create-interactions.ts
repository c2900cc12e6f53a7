import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateInteractions1795620315727 implements MigrationInterface {
  name = 'CreateInteractions1795620315727';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "idempotency_keys" ("user_id" integer NOT NULL, "key" character varying(255) NOT NULL, "request_hash" character(64) NOT NULL, "response_status" smallint, "response_body" jsonb, "response_etag" character varying(100), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("user_id", "key"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys"  ("expires_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "interactions" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "site_id" integer NOT NULL, "title" character varying(100) NOT NULL, "type" character varying(50) NOT NULL, "lead" character varying(100) NOT NULL, "start_datetime" TIMESTAMP WITH TIME ZONE NOT NULL, "end_datetime" TIMESTAMP WITH TIME ZONE NOT NULL, "timezone" character varying(64) NOT NULL, "location" character varying(200) NOT NULL DEFAULT '', "description" character varying(5000) NOT NULL DEFAULT '', "notes" character varying(5000) NOT NULL DEFAULT '', "created_by" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL DEFAULT '1', CONSTRAINT "interactions_end_after_start_check" CHECK ("end_datetime" >= "start_datetime"), CONSTRAINT "PK_911b7416a6671b4148b18c18ecb" PRIMARY KEY ("id"))`,
    );
    // The list order of DESIGN.md §7: newest first within a site, id as tiebreaker.
    await queryRunner.query(
      `CREATE INDEX "interactions_site_start_idx" ON "interactions" ("site_id", "start_datetime" DESC, "id" DESC)`,
    );
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "interactions" ADD CONSTRAINT "interactions_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "interactions" ADD CONSTRAINT "interactions_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "interactions" DROP CONSTRAINT "interactions_created_by_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "interactions" DROP CONSTRAINT "interactions_site_id_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" DROP CONSTRAINT "idempotency_keys_user_id_fkey"`,
    );
    await queryRunner.query(`DROP INDEX "public"."interactions_site_start_idx"`);
    await queryRunner.query(`DROP TABLE "interactions"`);
    await queryRunner.query(`DROP INDEX "public"."idempotency_keys_expires_at_idx"`);
    await queryRunner.query(`DROP TABLE "idempotency_keys"`);
  }
}
