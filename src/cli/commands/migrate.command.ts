import { Command, CommandRunner } from 'nest-commander';
import { CliDatabaseService } from '../cli-database.service';
import { writeLine } from '../cli-input';

/**
 * The migration job: what compose runs once before the instances, which start with
 * DB_MIGRATE=false. Several at once are safe: they take turns on the advisory lock.
 */
@Command({
  name: 'migrate',
  description: 'Bring the database schema up to date (under the migration lock), then exit',
})
export class MigrateCommand extends CommandRunner {
  constructor(private readonly database: CliDatabaseService) {
    super();
  }

  override async run(): Promise<void> {
    await this.database.dataSource();
    writeLine(`schema is up to date (${this.database.appliedMigrations} migration(s) applied)`);
  }
}
