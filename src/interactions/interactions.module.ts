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
import { InteractionExport } from './transfer/interaction-export';
import { InteractionImport } from './transfer/interaction-import';
import { InteractionTransferController } from './transfer/transfer.controller';

@Module({
  imports: [AuthModule, TypeOrmModule.forFeature([Interaction])],
  controllers: [InteractionsController, InteractionTransferController],
  providers: [
    InteractionsService,
    InteractionFieldRules,
    IdempotencyService,
    InteractionReads,
    PageCursors,
    PageTotals,
    SiteReads,
    InteractionExport,
    InteractionImport,
  ],
  exports: [InteractionFieldRules, InteractionReads],
})
export class InteractionsModule {}
