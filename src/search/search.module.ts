import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Interaction } from '../interactions/entities/interaction.entity';
import { InteractionsModule } from '../interactions/interactions.module';
import { SearchController } from './search.controller';
import { SearchService } from './search.service';

@Module({
  imports: [TypeOrmModule.forFeature([Interaction]), InteractionsModule],
  controllers: [SearchController],
  providers: [SearchService],
})
export class SearchModule {}
