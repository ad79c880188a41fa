import { ArgumentMetadata, BadRequestException, Body, Controller, Module, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, type SchemaObject, SwaggerModule } from '@nestjs/swagger';
import type { ValidationError } from 'class-validator';
import { EVENT_TYPES } from '../event-types';
import { sampleEvent } from '../samples';
import { CONTRACT_VALIDATOR_OPTIONS } from '../validation/validate-interaction-event';
import { flattenValidationErrors } from '../validation/violation';
import { InteractionEventBatchDto } from './interaction-event-batch.dto';
import { DATA_DTO_BY_TYPE } from './event-data-dto.registry';
import { InteractionEventDto } from './interaction-event.dto';
import { EVENT_DTO_BY_TYPE, interactionEventSchema } from './interaction-event-variants.dto';
import { PurchaseMadeDataDto } from './purchase-made-data.dto';

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown> & { data: Record<string, unknown> };

describe('the DTOs drive HTTP validation (Nest ValidationPipe)', () => {
  // The pipe the apps install globally, with errors flattened the way validateInteractionEvent does.
  const pipe = new ValidationPipe({
    ...CONTRACT_VALIDATOR_OPTIONS,
    transform: true,
    exceptionFactory: (errors: ValidationError[]) => new BadRequestException(flattenValidationErrors(errors)),
  });
  const body: ArgumentMetadata = { type: 'body', metatype: InteractionEventDto };

  it('turns a valid body into the envelope DTO with the typed data DTO', async () => {
    const result = (await pipe.transform(json(sampleEvent('PurchaseMade')), body)) as InteractionEventDto;
    expect(result).toBeInstanceOf(InteractionEventDto);
    expect(result.data).toBeInstanceOf(PurchaseMadeDataDto);
  });

  it('rejects unknown fields and bad values in data with dotted paths', async () => {
    const event = json(sampleEvent('PurchaseMade'));
    event.data.colour = 'red';
    event.data.amount = -1;
    const error = await pipe.transform(event, body).then(
      () => undefined,
      (thrown: BadRequestException) => thrown,
    );
    expect((error?.getResponse() as { message: unknown }).message).toEqual([
      { path: 'data.colour', messages: ['property colour should not exist'] },
      { path: 'data.amount', messages: ['amount must be >= 0'] },
    ]);
  });

  it('validates batch members through InteractionEventBatchDto with events[i] paths', async () => {
    const bad = json(sampleEvent('ContactLogged'));
    bad.data.channel = 'fax';
    const error = await pipe.transform({ events: [json(sampleEvent('ReferralMade')), bad] }, { type: 'body', metatype: InteractionEventBatchDto }).then(
      () => undefined,
      (thrown: BadRequestException) => thrown,
    );
    expect((error?.getResponse() as { message: unknown }).message).toEqual([{ path: 'events[1].data.channel', messages: [expect.stringContaining('must be one of')] }]);
  });
});

describe('the DTOs generate the OpenAPI document', () => {
  @Controller('events')
  class EventsController {
    @Post()
    publish(@Body() event: InteractionEventDto) {
      return event;
    }

    @Post('batch')
    publishBatch(@Body() batch: InteractionEventBatchDto) {
      return batch;
    }
  }
  @Module({ controllers: [EventsController] })
  class DocsModule {}

  it('documents the envelope and every payload with required lists and constraints', async () => {
    const app = await NestFactory.create(DocsModule, { logger: false });
    try {
      const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
      const schemas = document.components?.schemas as Record<string, { required?: string[]; properties: Record<string, Record<string, unknown>> }>;
      expect(schemas.InteractionEventDto.required).toEqual(['eventId', 'type', 'customerId', 'occurredAt', 'source', 'data']);
      expect(schemas.InteractionEventDto.properties.data.oneOf).toHaveLength(EVENT_TYPES.length);
      expect(schemas.InteractionEventDto.properties.customerId).toMatchObject({ pattern: '^[A-Za-z0-9._:-]+$', maxLength: 128 });
      expect(schemas.PurchaseMadeDataDto.required).toEqual(['orderId', 'amount', 'currency', 'productCategory', 'productId', 'quantity']);
      expect(schemas.PurchaseMadeDataDto.properties.amount).toMatchObject({ type: 'integer', minimum: 0 });
      expect(schemas.ContactLoggedDataDto.properties.channel.enum).toEqual(['phone', 'email', 'chat', 'web', 'sms', 'social', 'in_person']);
      expect(schemas.SatisfactionRatedDataDto.required).toEqual(['score', 'scale', 'context']);
    } finally {
      await app.close();
    }
  });

  it('documents one schema per event type, and the batch as one of them chosen by type', async () => {
    const app = await NestFactory.create(DocsModule, { logger: false });
    try {
      const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
      const schemas = document.components?.schemas as Record<string, SchemaObject>;
      const items = (schemas.InteractionEventBatchDto.properties!.events as SchemaObject).items as SchemaObject;
      expect(items).toEqual(interactionEventSchema());
      expect(items.oneOf).toHaveLength(EVENT_TYPES.length);
      expect(Object.keys(items.discriminator!.mapping!)).toEqual([...EVENT_TYPES]);
      for (const type of EVENT_TYPES) {
        const name = items.discriminator!.mapping![type].replace('#/components/schemas/', '');
        expect(name).toBe(`${type}Event`);
        expect(EVENT_DTO_BY_TYPE[type].name).toBe(name);
        const schema = schemas[name];
        expect(schema.required).toEqual(schemas.InteractionEventDto.required);
        expect(schema.properties!.type).toMatchObject({ type: 'string', enum: [type] });
        expect(schema.properties!.customerId).toEqual(schemas.InteractionEventDto.properties!.customerId);
        expect(JSON.stringify(schema.properties!.data)).toContain(`"#/components/schemas/${DATA_DTO_BY_TYPE[type].name}"`);
      }
    } finally {
      await app.close();
    }
  });
});
