import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RateLimiter } from './rate-limiter';

/** The rate-limit counters (memory, or Redis with REDIS_URL). The guard is registered by AuthModule. */
@Module({
  providers: [
    {
      provide: RateLimiter,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => RateLimiter.fromConfig(config),
    },
  ],
  exports: [RateLimiter],
})
export class RateLimitModule {}
