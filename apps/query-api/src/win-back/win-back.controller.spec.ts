import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import { WIN_BACK_REASONS, WinBackEntry, WinBackGroup } from '@crm/domain';
import { configureHttpApp } from '@crm/infrastructure';
import { ReadStore, SqliteReadStore } from '@crm/read-store';
import { SegmentationService } from '../segmentation/segmentation.service';
import { SegmentsController } from '../segmentation/segments.controller';
import { WinBackController } from './win-back.controller';
import { storeWinBack } from '@crm/projection';

const entries = (reason: string, n: number): WinBackEntry[] =>
  Array.from({ length: n }, (_, i) => ({
    customerId: `${reason}-${i}`,
    reason,
    rank: i + 1,
    dissolvedAt: null,
    historicalValue: 100,
    relationshipDays: null,
    valuePerYear: 100,
    winBackValue: (n - i) * 100,
  }));
const group = (reason: string, n: number): WinBackGroup => ({ reason, customers: n, winBackValue: 0, entries: entries(reason, n) });

describe('GET /v1/win-back and the segments routes over HTTP', () => {
  let store: SqliteReadStore;
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;
  const runs: string[] = [];

  beforeAll(async () => {
    store = SqliteReadStore.open({ filename: ':memory:' });
    // The pass itself is tested in run-segmentation.spec.ts; here it only stores two lists.
    const segmentation = {
      run: async (asOf: string) => {
        runs.push(asOf);
        await storeWinBack(store, asOf, { basis: { value: 'historical-value-rate', minRelationshipDays: 90, horizonDays: 1095, annualDiscountRate: 0.1 }, groups: [group('price', 5), group('competitor', 2)] });
        return { asOf };
      },
      latest: async () => ({ asOf: 'x' }),
    };
    @Module({
      controllers: [WinBackController, SegmentsController],
      providers: [
        { provide: ReadStore, useValue: store },
        { provide: SegmentationService, useValue: segmentation },
      ],
    })
    class WinBackTestModule {}
    app = await NestFactory.create<NestExpressApplication>(WinBackTestModule, { logger: false });
    configureHttpApp(app, { BODY_LIMIT: '1mb' }, 'win-back test');
    await app.init();
    http = request(app.getHttpServer());
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('runs a pass on a fresh store, then pages one reason with the cursor', async () => {
    const first = await http.get('/v1/win-back?reason=price&limit=2').expect(200);
    expect(runs).toHaveLength(1);
    expect(first.body).toMatchObject({ reason: 'price', total: 5, stored: 5, basis: { value: 'historical-value-rate' } });
    expect(first.body.items.map((e: WinBackEntry) => e.customerId)).toEqual(['price-0', 'price-1']);
    const second = await http.get(`/v1/win-back?reason=price&limit=2&after=${first.body.nextCursor}`).expect(200);
    expect(second.body.items.map((e: WinBackEntry) => e.rank)).toEqual([3, 4]);
    const all = await http.get('/v1/win-back').expect(200);
    expect(all.body).toMatchObject({ reason: null, total: 7, nextCursor: null });
    expect(runs).toHaveLength(1);
  });

  it('answers 400 naming the allowed reasons for an unknown one, and for a bad limit or cursor', async () => {
    const bad = await http.get('/v1/win-back?reason=bored').expect(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.violations).toEqual([{ path: 'reason', messages: [`reason must be one of: ${WIN_BACK_REASONS.join(', ')}`] }]);
    expect(WIN_BACK_REASONS).toEqual(['deliberate', 'unintentional', 'competitor', 'price', 'lost_eligibility', 'unspecified']);
    expect((await http.get('/v1/win-back?limit=0').expect(400)).body.violations[0].path).toBe('limit');
    expect((await http.get('/v1/win-back?after=nope').expect(400)).body.violations).toEqual([{ path: 'after', messages: ['after is not a cursor of the win-back list'] }]);
    expect((await http.get('/v1/win-back?reason=__proto__').expect(400)).body.violations[0].path).toBe('reason');
  });

  it('documents a typed 200 for every route, in a valid OpenAPI document', async () => {
    const doc = (await http.get('/docs/openapi.json').expect(200)).body;
    const ok = (path: string, method: string) => doc.paths[path][method].responses['200'].content['application/json'].schema;
    expect(ok('/v1/win-back', 'get')).toEqual({ $ref: '#/components/schemas/WinBackPageResponse' });
    expect(ok('/v1/segments', 'get')).toEqual({ $ref: '#/components/schemas/SegmentsReportResponse' });
    expect(ok('/v1/segments/refresh', 'post')).toEqual({ $ref: '#/components/schemas/SegmentsReportResponse' });
    const report = doc.components.schemas.SegmentsReportResponse;
    expect(Object.keys(report.properties)).toEqual(
      expect.arrayContaining(['customerEquity', 'customerEquityBasis', 'retention', 'concentration', 'winBack', 'referrals', 'transitionsPerDay']),
    );
    expect(doc.paths['/v1/win-back'].get.parameters.find((p: { name: string }) => p.name === 'reason').schema.enum).toEqual([...WIN_BACK_REASONS]);
    await SwaggerParser.validate(structuredClone(doc));
  });
});
