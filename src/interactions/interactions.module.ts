import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { IdempotencyService } from './idempotency.service';
import { Interaction } from './entities/interaction.entity';
import { InteractionFieldRules } from './interaction-fields';
import { InteractionsController } from './interactions.controller';
import { InteractionsService } from './interactions.service';
import { InteractionReads } from './read/interaction-reads';
import { PageCursors } from './read/page-cursor';
import { PageTotals } from './read/page-totals';
import { SiteReads } from './read/site-reads';

@Module({
  imports: [AuthModule, TypeOrmModule.forFeature([Interaction])],
  controllers: [InteractionsController],
  providers: [
    InteractionsService,
    InteractionFieldRules,
    IdempotencyService,
    InteractionReads,
    PageCursors,
    PageTotals,
    SiteReads,
  ],
  exports: [InteractionFieldRules, InteractionReads],
})
export class InteractionsModule {}
