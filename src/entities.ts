import { PasswordResetToken } from './auth/entities/password-reset-token.entity';
import { RefreshToken } from './auth/entities/refresh-token.entity';
import { Session } from './auth/entities/session.entity';
import { User } from './auth/entities/user.entity';
import { IdempotencyKey } from './interactions/entities/idempotency-key.entity';
import { Interaction } from './interactions/entities/interaction.entity';
import { SiteInteractionCount } from './interactions/entities/site-interaction-count.entity';
import { SiteMembership } from './sites/entities/site-membership.entity';
import { Site } from './sites/entities/site.entity';

/** Every TypeORM entity of the application, for each DataSource (app, CLI, TypeORM CLI, tests). */
export const ENTITIES = [
  User,
  Session,
  RefreshToken,
  PasswordResetToken,
  Site,
  SiteMembership,
  Interaction,
  SiteInteractionCount,
  IdempotencyKey,
];
