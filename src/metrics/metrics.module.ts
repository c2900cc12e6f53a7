import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/**
 * Global, so the rate-limit guard can count its rejections. The recording is always on (a
 * counter increment per request); METRICS_ENABLED=false only removes the endpoint.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: MetricsModule,
      controllers: config.metrics.enabled ? [MetricsController] : [],
      providers: [MetricsService],
      exports: [MetricsService],
    };
  }
}
