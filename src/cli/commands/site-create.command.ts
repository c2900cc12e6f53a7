import { Command, CommandRunner, Option } from 'nest-commander';
import { CliDatabaseService } from '../cli-database.service';
import { writeLine } from '../cli-input';
import { UserAdminService } from '../user-admin.service';

interface SiteCreateOptions {
  name: string;
  description?: string;
}

@Command({ name: 'site:create', description: 'Create a site' })
export class SiteCreateCommand extends CommandRunner {
  constructor(
    private readonly database: CliDatabaseService,
    private readonly admin: UserAdminService,
  ) {
    super();
  }

  override async run(_params: string[], options: SiteCreateOptions): Promise<void> {
    const site = await this.admin.createSite(await this.database.dataSource(), options);
    writeLine(`created site ${site.id} "${site.name}"`);
  }

  @Option({ flags: '--name <name>', description: 'unique site name', required: true })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--description <description>', description: 'up to 500 characters' })
  parseDescription(value: string): string {
    return value;
  }
}
