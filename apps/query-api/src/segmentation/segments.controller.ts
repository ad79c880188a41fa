import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { SegmentationService } from './segmentation.service';

export class RefreshSegmentsRequestDto {
  @ApiPropertyOptional({ description: 'Evaluate the population as of this instant (default: now)', example: '2026-11-24T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;
}

@ApiTags('segments')
@Controller('v1/segments')
export class SegmentsController {
  constructor(private readonly segmentation: SegmentationService) {}

  @Get()
  @ApiOperation({
    summary: 'Population aggregates of the latest pass',
    description: 'Customers per lifecycle stage, trust stage, tier and loyalty stage; transitions per day; churn rate and lost customers by reason; customer equity; the lifetime-value fit.',
  })
  latest() {
    return this.segmentation.latest();
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run the population pass now (tiers, lifetime value, segments)' })
  refresh(@Query() query: RefreshSegmentsRequestDto) {
    return this.segmentation.run(query.asOf ? new Date(query.asOf).toISOString() : new Date().toISOString());
  }
}
