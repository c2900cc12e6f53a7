import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { PageCursors } from '../interactions/read/page-cursor';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

@Module({
  imports: [AuthModule],
  controllers: [AuditController],
  providers: [AuditService, PageCursors],
})
export class AuditModule {}
