import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { IdempotencyService } from '../common/http/idempotency.service';
import { Interaction } from './entities/interaction.entity';
import { InteractionFieldRules } from './interaction-fields';
import { InteractionsController } from './interactions.controller';
import { InteractionsService } from './interactions.service';
import { PageTotals } from './page-totals';

@Module({
  imports: [AuthModule, TypeOrmModule.forFeature([Interaction])],
  controllers: [InteractionsController],
  providers: [InteractionsService, InteractionFieldRules, IdempotencyService, PageTotals],
  exports: [InteractionFieldRules, PageTotals],
})
export class InteractionsModule {}
