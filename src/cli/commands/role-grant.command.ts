import { Command, CommandRunner, Option } from 'nest-commander';
import { SITE_ROLES } from '../../sites/entities/site-membership.entity';
import { CliDatabaseService } from '../cli-database.service';
import { parseSiteId, writeLine } from '../cli-input';
import { UserAdminService } from '../user-admin.service';

interface RoleGrantOptions {
  user: string;
  site: number;
  role: string;
}

@Command({
  name: 'role:grant',
  description: "Give a user a role on a site, replacing the user's role there",
})
export class RoleGrantCommand extends CommandRunner {
  constructor(
    private readonly database: CliDatabaseService,
    private readonly admin: UserAdminService,
  ) {
    super();
  }

  override async run(_params: string[], options: RoleGrantOptions): Promise<void> {
    const grant = await this.admin.grantRole(await this.database.dataSource(), {
      user: options.user,
      siteId: options.site,
      role: options.role,
    });
    const previously = grant.previousRole ? ` (was ${grant.previousRole})` : '';
    writeLine(
      `${grant.user.username} is now ${grant.role} of site ${grant.site.id} "${grant.site.name}"${previously}`,
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

  @Option({ flags: '--role <role>', description: SITE_ROLES.join(' | '), required: true })
  parseRole(value: string): string {
    return value;
  }
}
