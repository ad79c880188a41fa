/**
 * Field decorators for the contract DTOs. Each one applies, from ONE description of the field:
 *  - the class-validator checks (what the HTTP pipe and validateInteractionEvent enforce),
 *  - the @nestjs/swagger @ApiProperty (what the OpenAPI document shows),
 *  - a JSON Schema fragment (what jsonSchemaFor publishes),
 * so the three cannot drift apart. Range, length and pattern checks pass values of the wrong
 * type through, so a wrong type yields one message ("must be a string"), not four.
 */
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO4217CurrencyCode,
  IsNumber,
  IsString,
  IsUUID,
  ValidateBy,
  ValidateIf,
  ValidationArguments,
  ValidationOptions,
  buildMessage,
} from 'class-validator';
// validator is class-validator's own dependency; IsISO4217CurrencyCode checks against this set,
// so the JSON Schema enum lists exactly the codes the decorator accepts.
import { CurrencyCodes } from 'validator/lib/isISO4217';

export type JsonSchema = { [keyword: string]: unknown };

/** Validator names used to keep messages short (see flatten-validation-errors.ts). */
export const IS_PRESENT = 'isPresent';

export const ID_MAX_LENGTH = 128;
export const NAME_MAX_LENGTH = 200;
export const FREE_TEXT_MAX_LENGTH = 2000;
export const EMAIL_MAX_LENGTH = 254;

/** Upper-case ISO 4217 codes accepted by `IsISO4217CurrencyCode`, sorted. */
export const ISO_4217_CURRENCY_CODES: readonly string[] = [...(CurrencyCodes as Set<string>)].sort();

interface FieldSpec {
  name: string;
  required: boolean;
  schema: JsonSchema;
  /** The @ApiProperty options applied, so derived documents (the per-type event schemas) reuse them. */
  api: ApiPropertyOptions;
}

const fieldsByClass = new WeakMap<object, FieldSpec[]>();
const classExtrasByClass = new WeakMap<object, JsonSchema>();

/** Fields declared with these decorators on `cls`, in declaration order. */
export function contractFieldsOf(cls: object): readonly FieldSpec[] {
  return fieldsByClass.get(cls) ?? [];
}

/** Extra object-level JSON Schema keywords (cross-field rules) declared with @JsonSchemaExtras. */
export function schemaExtrasOf(cls: object): JsonSchema | undefined {
  return classExtrasByClass.get(cls);
}

/** Attach object-level JSON Schema keywords that mirror a cross-field validator. */
export function JsonSchemaExtras(extras: JsonSchema): ClassDecorator {
  return (target) => {
    classExtrasByClass.set(target, extras);
  };
}

export interface FieldOptions {
  optional?: boolean;
  description?: string;
  example?: unknown;
}

interface FieldDefinition {
  schema: JsonSchema;
  validators: PropertyDecorator[];
  api?: Omit<ApiPropertyOptions, 'required' | 'description' | 'example'>;
}

function field(options: FieldOptions, definition: FieldDefinition): PropertyDecorator {
  return (target, propertyKey) => {
    const required = options.optional !== true;
    const api: ApiPropertyOptions = {
      ...(definition.api ?? {}),
      ...openApiKeywords(definition.schema),
      required,
      ...(options.description !== undefined ? { description: options.description } : {}),
      ...(options.example !== undefined ? { example: options.example } : {}),
    } as ApiPropertyOptions;
    const cls = target.constructor;
    const specs = fieldsByClass.get(cls) ?? [];
    specs.push({ name: String(propertyKey), required, schema: definition.schema, api });
    fieldsByClass.set(cls, specs);

    // Optional means "may be absent", not "may be null": the TS types say `x?: T`.
    const presence = required ? IsPresent() : ValidateIf((_object: object, value: unknown) => value !== undefined);
    for (const decorator of [presence, ...definition.validators]) decorator(target, propertyKey);
    ApiProperty(api)(target, propertyKey);
  };
}

/** The JSON Schema keywords OpenAPI 3 shares with it (no `const`, no 2020-12 applicators). */
function openApiKeywords(schema: JsonSchema): Record<string, unknown> {
  const shared = ['type', 'enum', 'format', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength'];
  return Object.fromEntries(Object.entries(schema).filter(([key]) => shared.includes(key)));
}

// ---- custom constraints --------------------------------------------------------------------

/** Required: the key must be there (null is reported by the type check instead). */
export function IsPresent(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: IS_PRESENT,
      validator: {
        validate: (value: unknown) => value !== undefined,
        defaultMessage: buildMessage((each) => `${each}$property is required`, options),
      },
    },
    options,
  );
}

const codePointLength = (value: string): number => {
  let length = 0;
  for (const _ of value) length++;
  return length;
};

/** Length in code points (what JSON Schema minLength/maxLength count). Non-strings pass. */
function HasLength(min: number, max: number): PropertyDecorator {
  return ValidateBy({
    name: 'hasLength',
    constraints: [min, max],
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return true;
        // Fast path: a UTF-16 length within bounds on both counts needs no code-point walk.
        if (value.length >= min && value.length <= max) return true;
        const length = codePointLength(value);
        return length >= min && length <= max;
      },
      defaultMessage: (args?: ValidationArguments) =>
        min === 1 && typeof args?.value === 'string' && args.value.length === 0
          ? `${args.property} must not be empty`
          : `${args?.property} must be ${min} to ${max} characters long`,
    },
  });
}

/**
 * String, 1..max code points, matching `pattern`: one constraint instead of three because text
 * fields dominate the validation cost, and it reports the first failure only.
 */
function IsText(max: number, pattern: RegExp, patternMessage: string): PropertyDecorator {
  const failure = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return 'must be a string';
    if (value.length === 0) return 'must not be empty';
    // UTF-16 length >= code points, so only an over-long UTF-16 length needs the exact count.
    if (value.length > max && codePointLength(value) > max) return `must be 1 to ${max} characters long`;
    if (!pattern.test(value)) return patternMessage;
    return undefined;
  };
  return ValidateBy({
    name: 'isText',
    constraints: [max, pattern.source],
    validator: {
      validate: (value: unknown) => failure(value) === undefined,
      defaultMessage: (args?: ValidationArguments) => `${args?.property} ${failure(args?.value) ?? 'is invalid'}`,
    },
  });
}

/** Regular-expression match for strings. Non-strings pass. */
function MatchesPattern(pattern: RegExp, message: string): PropertyDecorator {
  return ValidateBy({
    name: 'matchesPattern',
    constraints: [pattern.source],
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || pattern.test(value),
      defaultMessage: (args?: ValidationArguments) => `${args?.property} ${message}`,
    },
  });
}

/** Inclusive / exclusive numeric bounds for numbers. Non-numbers pass. */
function InRange(bounds: { min?: number; exclusiveMin?: number; max?: number }): PropertyDecorator {
  const { min, exclusiveMin, max } = bounds;
  return ValidateBy({
    name: 'inRange',
    constraints: [min, exclusiveMin, max],
    validator: {
      validate: (value: unknown) =>
        typeof value !== 'number' ||
        ((min === undefined || value >= min) && (exclusiveMin === undefined || value > exclusiveMin) && (max === undefined || value <= max)),
      // Names the bound that was crossed: "amount must be >= 0", "durationSec must be <= 86400".
      defaultMessage: (args?: ValidationArguments) => {
        const value = args?.value as number;
        const bound =
          min !== undefined && value < min
            ? `>= ${min}`
            : exclusiveMin !== undefined && value <= exclusiveMin
              ? `> ${exclusiveMin}`
              : `<= ${String(max)}`;
        return `${args?.property} must be ${bound}`;
      },
    },
  });
}

// ---- field kinds -----------------------------------------------------------------------------

const NOT_BLANK = /\S/;

/** A non-blank string of 1..maxLength characters. */
export function TextField(maxLength: number, options: FieldOptions = {}): PropertyDecorator {
  return field(options, {
    schema: { type: 'string', minLength: 1, maxLength, pattern: NOT_BLANK.source },
    validators: [IsText(maxLength, NOT_BLANK, 'must not be blank')],
  });
}

/** An identifier or short label: non-blank, at most 128 characters. */
export const IdField = (options: FieldOptions = {}) => TextField(ID_MAX_LENGTH, options);

/** Free text (reasons, descriptions, notes): non-blank, at most 2,000 characters. */
export const FreeTextField = (options: FieldOptions = {}) => TextField(FREE_TEXT_MAX_LENGTH, options);

/** A string of 1..maxLength characters matching `pattern` (anchored by the caller). */
export function PatternField(pattern: RegExp, maxLength: number, patternMessage: string, options: FieldOptions = {}): PropertyDecorator {
  return field(options, {
    schema: { type: 'string', minLength: 1, maxLength, pattern: pattern.source },
    validators: [IsText(maxLength, pattern, patternMessage)],
  });
}

export function IntegerField(given: { min?: number; exclusiveMin?: number; max?: number }, options: FieldOptions = {}): PropertyDecorator {
  // Integers beyond 2^53 - 1 lose precision in JSON numbers: never a valid amount, count or duration.
  const bounds = { ...given, max: given.max ?? Number.MAX_SAFE_INTEGER, ...(given.min === undefined && given.exclusiveMin === undefined ? { min: -Number.MAX_SAFE_INTEGER } : {}) };
  return field(options, {
    schema: {
      type: 'integer',
      ...(bounds.min !== undefined ? { minimum: bounds.min } : {}),
      ...(bounds.exclusiveMin !== undefined ? { exclusiveMinimum: bounds.exclusiveMin } : {}),
      ...(bounds.max !== undefined ? { maximum: bounds.max } : {}),
    },
    validators: [IsInt(), InRange(bounds)],
    api: bounds.exclusiveMin !== undefined ? { minimum: bounds.exclusiveMin, exclusiveMinimum: true } : undefined,
  });
}

export function NumberField(bounds: { min: number; max: number }, options: FieldOptions = {}): PropertyDecorator {
  return field(options, {
    schema: { type: 'number', minimum: bounds.min, maximum: bounds.max },
    validators: [IsNumber({ allowNaN: false, allowInfinity: false }), InRange(bounds)],
  });
}

/** One of a list of string or number literals (the const arrays of event-types.ts). */
export function EnumField(values: readonly (string | number)[], options: FieldOptions = {}): PropertyDecorator {
  const type = values.every((value) => typeof value === 'number') ? 'integer' : 'string';
  return field(options, {
    schema: { type, enum: [...values] },
    validators: [IsIn([...values])],
  });
}

export function BooleanField(options: FieldOptions = {}): PropertyDecorator {
  return field(options, { schema: { type: 'boolean' }, validators: [IsBoolean()] });
}

export function EmailField(options: FieldOptions = {}): PropertyDecorator {
  return field(options, {
    schema: { type: 'string', format: 'email', maxLength: EMAIL_MAX_LENGTH },
    validators: [IsString(), IsEmail(), HasLength(1, EMAIL_MAX_LENGTH)],
  });
}

const CURRENCY_CODE = /^[A-Z]{3}$/;

/** ISO 4217 alphabetic code, upper case (EUR, USD, …). */
export function CurrencyField(options: FieldOptions = {}): PropertyDecorator {
  return field(options, {
    schema: { type: 'string', enum: ISO_4217_CURRENCY_CODES },
    // IsISO4217CurrencyCode upper-cases before looking up; the contract wants the canonical form.
    validators: [IsString(), MatchesPattern(CURRENCY_CODE, 'must be 3 upper-case letters'), IsISO4217CurrencyCode()],
    api: { enum: undefined, pattern: '^[A-Z]{3}$' },
  });
}

/**
 * The pattern `IsUUID('all')` of class-validator 0.14 (validator 13) uses: versions 1–8 with
 * the RFC variant, plus the nil and max UUIDs. Repeated in the JSON Schema because
 * `format: uuid` alone would also accept any version nibble and a `urn:uuid:` prefix.
 */
export const UUID_PATTERN =
  '^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|[fF]{8}-[fF]{4}-[fF]{4}-[fF]{4}-[fF]{12})$';

export function UuidField(options: FieldOptions = {}): PropertyDecorator {
  return field(options, {
    schema: { type: 'string', format: 'uuid', pattern: UUID_PATTERN },
    validators: [IsString(), IsUUID('all')],
  });
}

/**
 * RFC 3339 date-time: seconds required, optional fraction, and an explicit offset (Z or ±hh:mm).
 * A local time without offset is ambiguous, and every time rule of the model depends on it.
 */
const OFFSET_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;
/** The syntax half of OFFSET_DATE_TIME for the JSON Schema; `format: date-time` checks the calendar. */
export const OFFSET_DATE_TIME_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,9})?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)$';
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isOffsetDateTime(value: string): boolean {
  const match = OFFSET_DATE_TIME.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const offsetHours = match[7] === undefined ? 0 : Number(match[7]);
  const offsetMinutes = match[8] === undefined ? 0 : Number(match[8]);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return (
    month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth &&
    hour <= 23 && minute <= 59 && second <= 59 && // no leap second: JS Date cannot represent :60
    offsetHours <= 23 && offsetMinutes <= 59
  );
}

export function OffsetDateTimeField(options: FieldOptions = {}): PropertyDecorator {
  return field(options, {
    schema: { type: 'string', format: 'date-time', pattern: OFFSET_DATE_TIME_PATTERN },
    validators: [
      IsString(),
      ValidateBy({
        name: 'isOffsetDateTime',
        validator: {
          validate: (value: unknown) => typeof value !== 'string' || isOffsetDateTime(value),
          defaultMessage: (args?: ValidationArguments) =>
            typeof args?.value === 'string' && OFFSET_DATE_TIME.test(args.value)
              ? `${args.property} is not a valid date and time (${args.value})`
              : `${args?.property} must be an ISO 8601 date-time with seconds and an offset (Z or ±hh:mm), e.g. 2026-03-14T10:22:05+01:00`,
        },
      }),
    ],
  });
}
