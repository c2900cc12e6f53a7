import { Module } from '@nestjs/common';
import { DemoDataStartup } from './demo-data.startup';

@Module({ providers: [DemoDataStartup] })
export class SeedsModule {}
