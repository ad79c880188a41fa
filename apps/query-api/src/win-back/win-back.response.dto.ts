import { ApiProperty } from '@nestjs/swagger';
import { WIN_BACK_REASONS } from '@crm/domain';
import { WinBackBasisResponse } from '../segmentation/segments.response.dto';

export class WinBackEntryResponse {
  @ApiProperty() customerId!: string;
  @ApiProperty({ enum: WIN_BACK_REASONS }) reason!: string;
  @ApiProperty({ type: 'integer', description: 'Rank within its reason, 1 = most valuable to win back' }) rank!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the customer entered dissolution' }) dissolvedAt!: string | null;
  @ApiProperty({ type: 'integer', description: 'Purchases minus refunds up to the pass, minor units' }) historicalValue!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'First purchase to dissolution, days' }) relationshipDays!: number | null;
  @ApiProperty({ description: 'Historical value per year of the relationship (at least minRelationshipDays), minor units' }) valuePerYear!: number;
  @ApiProperty({ type: 'integer', description: 'valuePerYear over the CLV horizon, discounted: the ranking value, minor units' }) winBackValue!: number;
}

export class WinBackPageResponse {
  @ApiProperty({ format: 'date-time', description: 'asOf of the population pass that ranked them' }) asOf!: string;
  @ApiProperty({ type: 'string', enum: [...WIN_BACK_REASONS, null] as string[], nullable: true, description: 'The reason filtered on; null = every reason' })
  reason!: string | null;
  @ApiProperty({ type: () => WinBackBasisResponse }) basis!: WinBackBasisResponse;
  @ApiProperty({ type: 'integer', description: 'Lost customers matching' }) total!: number;
  @ApiProperty({ type: 'integer', description: 'Of those, the ones kept in the ranking (the top of each reason, see the README)' }) stored!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Pass as after for the next page; null on the last page' }) nextCursor!: string | null;
  @ApiProperty({ type: () => [WinBackEntryResponse], description: 'winBackValue descending, then customerId' }) items!: WinBackEntryResponse[];
}
