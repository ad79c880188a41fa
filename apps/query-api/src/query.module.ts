import { Module } from '@nestjs/common';
import { AdminController } from './admin/admin.controller';
import { RebuildJobs } from './admin/rebuild.jobs';
import { WhatIfJobs } from './admin/what-if.jobs';
import { CqrsModule } from '@nestjs/cqrs';
import { PrivacyModule } from '@crm/infrastructure';
import { ProjectionModule } from '@crm/projection';
import { CustomersController } from './http/customers.controller';
import { ChangesModule } from './changes/changes.module';
import { DashboardController } from './dashboard/dashboard.controller';
import { MeasuresController } from './measures/measures.controller';
import { GetCustomerViewHandler } from './queries/get-customer-view.query';
import { ListCustomerViewsHandler } from './queries/list-customer-views.query';
import { SegmentationService } from './segmentation/segmentation.service';
import { SegmentsController } from './segmentation/segments.controller';
import { WinBackController } from './win-back/win-back.controller';

/** Downstream teams read views here. Needs a ReadStore bound by the composition root. */
@Module({
  imports: [CqrsModule, ProjectionModule, ChangesModule, PrivacyModule],
  controllers: [CustomersController, SegmentsController, WinBackController, MeasuresController, AdminController, DashboardController],
  providers: [GetCustomerViewHandler, ListCustomerViewsHandler, SegmentationService, WhatIfJobs, RebuildJobs],
  exports: [SegmentationService],
})
export class QueryModule {}
