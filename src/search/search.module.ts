import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { Interaction } from '../interactions/entities/interaction.entity';
import { InteractionsModule } from '../interactions/interactions.module';
import { SearchController } from './search.controller';
import { SearchService } from './search.service';

@Module({
  imports: [AuthModule, TypeOrmModule.forFeature([Interaction]), InteractionsModule],
  controllers: [SearchController],
  providers: [SearchService],
})
export class SearchModule {}
