import { Command, CommandRunner, Option } from 'nest-commander';
import { CliDatabaseService } from '../cli-database.service';
import { parseSiteId, writeLine } from '../cli-input';
import { UserAdminService } from '../user-admin.service';

interface RoleRevokeOptions {
  user: string;
  site: number;
}

@Command({ name: 'role:revoke', description: "Remove a user's role on a site" })
export class RoleRevokeCommand extends CommandRunner {
  constructor(
    private readonly database: CliDatabaseService,
    private readonly admin: UserAdminService,
  ) {
    super();
  }

  override async run(_params: string[], options: RoleRevokeOptions): Promise<void> {
    const revoked = await this.admin.revokeRole(await this.database.dataSource(), {
      user: options.user,
      siteId: options.site,
    });
    writeLine(
      `${revoked.user.username} is no longer ${revoked.role} of site ${revoked.site.id} "${revoked.site.name}"`,
    );
  }

  @Option({ flags: '--user <username-or-email>', description: 'the user', required: true })
  parseUser(value: string): string {
    return value;
  }

  @Option({ flags: '--site <site-id>', description: 'the site id', required: true })
  parseSite(value: string): number {
    return parseSiteId(value);
  }
}
