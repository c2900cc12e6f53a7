import { Command, CommandRunner, Option } from 'nest-commander';
import { CliDatabaseService } from '../cli-database.service';
import { writeLine } from '../cli-input';
import { UserAdminService } from '../user-admin.service';

interface UserCreateOptions {
  username: string;
  email: string;
  password?: string;
}

@Command({
  name: 'user:create',
  description: 'Create a user (a password is generated and printed once when --password is absent)',
})
export class UserCreateCommand extends CommandRunner {
  constructor(
    private readonly database: CliDatabaseService,
    private readonly admin: UserAdminService,
  ) {
    super();
  }

  override async run(_params: string[], options: UserCreateOptions): Promise<void> {
    const { user, generatedPassword } = await this.admin.createUser(
      await this.database.dataSource(),
      options,
    );
    const password = generatedPassword ? `; generated password: ${generatedPassword}` : '';
    writeLine(`created user ${user.username} <${user.email}> (id ${user.id})${password}`);
  }

  @Option({ flags: '--username <username>', description: 'login name', required: true })
  parseUsername(value: string): string {
    return value;
  }

  @Option({ flags: '--email <email>', description: 'e-mail address', required: true })
  parseEmail(value: string): string {
    return value;
  }

  @Option({ flags: '--password <password>', description: '12 to 128 characters' })
  parsePassword(value: string): string {
    return value;
  }
}
