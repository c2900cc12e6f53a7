import { Command, CommandRunner, Option } from 'nest-commander';
import { CliDatabaseService } from '../cli-database.service';
import { writeLine } from '../cli-input';
import { UserAdminService } from '../user-admin.service';

interface PasswordSetOptions {
  user: string;
  password?: string;
}

@Command({
  name: 'password:set',
  description:
    "Set a user's password and sign the user out everywhere (generated and printed once when --password is absent)",
})
export class PasswordSetCommand extends CommandRunner {
  constructor(
    private readonly database: CliDatabaseService,
    private readonly admin: UserAdminService,
  ) {
    super();
  }

  override async run(_params: string[], options: PasswordSetOptions): Promise<void> {
    const change = await this.admin.setPassword(await this.database.dataSource(), options);
    const password = change.generatedPassword
      ? `; generated password: ${change.generatedPassword}`
      : '';
    writeLine(
      `password of ${change.user.username} changed, ${change.revokedSessions} session(s) revoked${password}`,
    );
  }

  @Option({ flags: '--user <username-or-email>', description: 'the user', required: true })
  parseUser(value: string): string {
    return value;
  }

  @Option({ flags: '--password <password>', description: '12 to 128 characters' })
  parsePassword(value: string): string {
    return value;
  }
}
