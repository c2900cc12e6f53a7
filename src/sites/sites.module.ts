import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SiteMembership } from './entities/site-membership.entity';
import { Site } from './entities/site.entity';
import { SitesController, UserSitesController } from './sites.controller';
import { SitesService } from './sites.service';

@Module({
  imports: [TypeOrmModule.forFeature([Site, SiteMembership])],
  controllers: [SitesController, UserSitesController],
  providers: [SitesService],
  exports: [SitesService],
})
export class SitesModule {}
