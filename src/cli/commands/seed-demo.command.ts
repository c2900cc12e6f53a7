import { Command, CommandRunner } from 'nest-commander';
import { DEMO_PASSWORD } from '../../seeds/demo.seed';
import { CliDatabaseService } from '../cli-database.service';
import { writeLine } from '../cli-input';
import { UserAdminService } from '../user-admin.service';

@Command({
  name: 'seed:demo',
  description: 'Add the demo sites and users, unless any user exists already',
})
export class SeedDemoCommand extends CommandRunner {
  constructor(
    private readonly database: CliDatabaseService,
    private readonly admin: UserAdminService,
  ) {
    super();
  }

  override async run(): Promise<void> {
    const seeded = await this.admin.seedDemo(await this.database.dataSource());
    writeLine(
      seeded
        ? `seeded demo data: 3 sites, users admin, alice and bob with password "${DEMO_PASSWORD}"`
        : 'users already exist: demo data not seeded',
    );
  }
}
