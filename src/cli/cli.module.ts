import { Module } from '@nestjs/common';
import { CliDatabaseService } from './cli-database.service';
import { MigrateCommand } from './commands/migrate.command';
import { PasswordSetCommand } from './commands/password-set.command';
import { RoleGrantCommand } from './commands/role-grant.command';
import { RoleRevokeCommand } from './commands/role-revoke.command';
import { SeedBulkCommand } from './commands/seed-bulk.command';
import { SeedDemoCommand } from './commands/seed-demo.command';
import { SiteCreateCommand } from './commands/site-create.command';
import { UserCreateCommand } from './commands/user-create.command';
import { UserDisableCommand, UserEnableCommand } from './commands/user-disable.command';
import { UserAdminService } from './user-admin.service';

@Module({
  providers: [
    CliDatabaseService,
    UserAdminService,
    MigrateCommand,
    UserCreateCommand,
    UserDisableCommand,
    UserEnableCommand,
    SiteCreateCommand,
    RoleGrantCommand,
    RoleRevokeCommand,
    PasswordSetCommand,
    SeedDemoCommand,
    SeedBulkCommand,
  ],
})
export class CliModule {}
