import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { loggerParams } from './common/http/logging';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ENTITIES } from './entities';
import { HealthModule } from './health/health.module';
import { InteractionsModule } from './interactions/interactions.module';
import { MetricsModule } from './metrics/metrics.module';
import { SearchModule } from './search/search.module';
import { SeedsModule } from './seeds/seeds.module';
import { SitesModule } from './sites/sites.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config)),
        DatabaseModule.forRoot(ENTITIES),
        SeedsModule,
        MetricsModule.forRoot(config),
        HealthModule,
        AuthModule,
        SitesModule,
        InteractionsModule,
        SearchModule,
        AuditModule,
      ],
    };
  }
}
