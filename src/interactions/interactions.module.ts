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
import { HistoryController } from './history/history.controller';
import { HistoryService } from './history/history.service';
import { InteractionExport } from './transfer/interaction-export';
import { InteractionImport } from './transfer/interaction-import';
import { InteractionTransferController } from './transfer/transfer.controller';
import { TrashController } from './trash/trash.controller';
import { TrashRetention } from './trash/trash-retention';
import { TrashService } from './trash/trash.service';

@Module({
  imports: [AuthModule, TypeOrmModule.forFeature([Interaction])],
  controllers: [
    InteractionsController,
    TrashController,
    HistoryController,
    InteractionTransferController,
  ],
  providers: [
    InteractionsService,
    InteractionFieldRules,
    IdempotencyService,
    InteractionReads,
    PageCursors,
    PageTotals,
    SiteReads,
    TrashService,
    TrashRetention,
    HistoryService,
    InteractionExport,
    InteractionImport,
  ],
  exports: [InteractionFieldRules, InteractionReads],
})
export class InteractionsModule {}
