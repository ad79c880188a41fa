import { Module } from '@nestjs/common';
import { RelayService } from './relay.service';

/** Event store → crm.interactions.v1. Needs the ports bound by InfrastructureModule. */
@Module({ providers: [RelayService], exports: [RelayService] })
export class RelayModule {}
