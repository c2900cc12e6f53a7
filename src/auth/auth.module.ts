import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard } from './access/access.guard';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { AppConfig } from '../config/app-config';
import { SitesModule } from '../sites/sites.module';
import { AuthController } from './auth.controller';
import { JWT_KEYS } from './auth.constants';
import { AuthService } from './auth.service';
import { PasswordResetToken } from './entities/password-reset-token.entity';
import { RefreshToken } from './entities/refresh-token.entity';
import { Session } from './entities/session.entity';
import { User } from './entities/user.entity';
import { JwksController } from './jwks.controller';
import { loadJwtKeys } from './jwt-keys';
import { MailerService } from './mailer.service';
import { PasswordHasher } from './password-hasher';
import { PasswordResetService } from './password-reset.service';
import { PrincipalResolver } from './principal-resolver';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([User, Session, RefreshToken, PasswordResetToken]),
    JwtModule.register({}),
    SitesModule,
    RateLimitModule,
  ],
  controllers: [AuthController, JwksController],
  providers: [
    {
      provide: JWT_KEYS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => loadJwtKeys(config),
    },
    // The global guard chain, in this order (Nest runs APP_GUARDs in registration order, and
    // before the guards app.setup.ts adds with useGlobalGuards): the rate limit first, so every
    // limited response carries its headers and bad tokens are counted by IP; then the access
    // policy, which reuses the principal the rate-limit guard resolved.
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AccessGuard },
    AuthService,
    SessionsService,
    PasswordResetService,
    PasswordHasher,
    TokenService,
    PrincipalResolver,
    MailerService,
  ],
  exports: [PasswordHasher, PrincipalResolver, JWT_KEYS],
})
export class AuthModule {}
