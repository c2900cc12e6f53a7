import { Injectable } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { CliDatabaseService } from '../cli-database.service';
import { writeLine } from '../cli-input';
import { UserAdminService } from '../user-admin.service';

interface UserOption {
  user: string;
}

/** @Injectable so the constructor's parameter types are recorded for the two subclasses. */
@Injectable()
abstract class UserDisabledCommand extends CommandRunner {
  protected abstract readonly disabled: boolean;

  constructor(
    private readonly database: CliDatabaseService,
    private readonly admin: UserAdminService,
  ) {
    super();
  }

  override async run(_params: string[], options: UserOption): Promise<void> {
    const outcome = await this.admin.setDisabled(await this.database.dataSource(), {
      user: options.user,
      disabled: this.disabled,
    });
    const state = this.disabled ? 'disabled' : 'enabled';
    const sessions = this.disabled ? `, ${outcome.revokedSessions} session(s) revoked` : '';
    writeLine(
      outcome.changed
        ? `${outcome.user.username} ${state}${sessions}`
        : `${outcome.user.username} was already ${state}${sessions}`,
    );
  }

  @Option({ flags: '--user <username-or-email>', description: 'the user', required: true })
  parseUser(value: string): string {
    return value;
  }
}

@Command({
  name: 'user:disable',
  description:
    'Disable an account: it cannot sign in, its sessions end and its tokens stop working (data is kept)',
})
export class UserDisableCommand extends UserDisabledCommand {
  protected readonly disabled = true;
}

@Command({ name: 'user:enable', description: 'Let a disabled account sign in again' })
export class UserEnableCommand extends UserDisabledCommand {
  protected readonly disabled = false;
}
