import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponse, RequireScope, validationProblem } from '@crm/infrastructure';
import { ReadStore } from '@crm/read-store';
import { SegmentationService } from '../segmentation/segmentation.service';
import { ListWinBackRequestDto } from './list-win-back.request.dto';
import { InvalidWinBackCursorError, WinBackPage, readWinBackPage } from '@crm/projection';
import { WinBackPageResponse } from './win-back.response.dto';

@ApiTags('segments')
@RequireScope('read')
@Controller('v1/win-back')
export class WinBackController {
  constructor(
    @Inject(ReadStore) private readonly readStore: ReadStore,
    private readonly segmentation: SegmentationService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Win-back priorities: lost customers ranked by the value they would bring back, by churn reason, page by page',
    description:
      'From the latest population pass. Lost = lifecycle stage dissolution; value = historical value per year of the relationship over the CLV horizon, discounted. ' +
      'Page with nextCursor → after; a cursor stays valid across passes (it is a position in the ranking, not an offset).',
  })
  @ApiOkResponse({ type: WinBackPageResponse })
  @ApiProblemResponse(400, 'An unknown reason (the problem names the allowed ones), a limit outside 1–500, or an after that is not a cursor of this list')
  async list(@Query() query: ListWinBackRequestDto): Promise<WinBackPage> {
    const request = { reason: query.reason, limit: query.limit ?? 50, after: query.after };
    try {
      let page = await readWinBackPage(this.readStore, request);
      if (!page) {
        // No pass stored the lists yet (a fresh store): run one, like GET /v1/segments does.
        await this.segmentation.run(new Date().toISOString());
        page = await readWinBackPage(this.readStore, request);
      }
      return page ?? { asOf: new Date().toISOString(), reason: request.reason ?? null, basis: emptyBasis(), total: 0, stored: 0, nextCursor: null, items: [] };
    } catch (error) {
      if (error instanceof InvalidWinBackCursorError) throw validationProblem([{ path: 'after', messages: [error.message] }]);
      throw error;
    }
  }
}

function emptyBasis(): WinBackPage['basis'] {
  return { value: 'historical-value-rate', minRelationshipDays: 0, horizonDays: 0, annualDiscountRate: 0 };
}
