import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponse, RequireScope } from '@crm/infrastructure';
import { AsOfField, asOfInstant } from '../http/as-of.request.dto';
import type { SegmentsReport } from '@crm/projection';
import { SegmentationService } from './segmentation.service';
import { SegmentsReportResponse } from './segments.response.dto';

export class RefreshSegmentsRequestDto {
  @AsOfField('Evaluate the population as of this instant (default: now).')
  asOf?: string;
}

@ApiTags('segments')
@Controller('v1/segments')
export class SegmentsController {
  constructor(private readonly segmentation: SegmentationService) {}

  @RequireScope('read')
  @Get()
  @ApiOperation({
    summary: 'Population aggregates of the latest pass',
    description:
      'Customers per lifecycle stage, trust stage, tier and loyalty stage; transitions per day; churn rate and lost customers by reason; ' +
      'customer equity (discounted) and how it was computed; retention per period; the 80/20 check; win-back totals per reason; referral value; the lifetime-value fit.',
  })
  @ApiOkResponse({ type: SegmentsReportResponse })
  latest(): Promise<SegmentsReport> {
    return this.segmentation.latest();
  }

  @RequireScope('admin')
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run the population pass now (tiers, lifetime value, segments)',
    description:
      'Writes each view’s segment (tier, lifetime value, referral value), never its events; a view holding a segment of a later asOf keeps it, and the stage indexes are re-evaluated only where asOf is at or after the view’s own clock.',
  })
  @ApiOkResponse({ type: SegmentsReportResponse })
  @ApiProblemResponse(400, 'asOf is not an RFC 3339 instant with an offset')
  refresh(@Query() query: RefreshSegmentsRequestDto): Promise<SegmentsReport> {
    return this.segmentation.run(asOfInstant(query.asOf));
  }
}
