import { DATA_DTO_BY_TYPE } from '../dto/event-data-dto.registry';
import { FREE_TEXT_MAX_LENGTH, contractFieldsOf } from '../dto/field.decorators';
import { EVENT_TYPES, PERSONAL_DATA_FIELDS, isSystemEventType } from '../event-types';
import { sampleEvent } from '../samples';
import { validateWithJsonSchema } from '../validation/validate-with-json-schema';
import { JsonSchema, PERSONAL_DATA_KEYWORD, jsonSchemaFor } from './json-schema';

const TOKEN = `pii:1:1:${'A'.repeat(40)}`;
const dataProperties = (schema: JsonSchema) => ((schema.properties as { data: JsonSchema }).data.properties as Record<string, JsonSchema>);

describe('personal-data fields in the contracts', () => {
  it('names only fields that exist, and every free-text field (it may hold a name, an address, a phone number)', () => {
    for (const type of EVENT_TYPES) {
      const fields = contractFieldsOf(DATA_DTO_BY_TYPE[type]);
      const names = fields.map((f) => f.name);
      for (const personal of PERSONAL_DATA_FIELDS[type]) expect({ type, personal, exists: names.includes(personal) }).toEqual({ type, personal, exists: true });
      const freeText = fields.filter((f) => f.schema.maxLength === FREE_TEXT_MAX_LENGTH).map((f) => f.name);
      expect({ type, unmarked: freeText.filter((name) => !PERSONAL_DATA_FIELDS[type].includes(name)) }).toEqual({ type, unmarked: [] });
    }
    expect(PERSONAL_DATA_FIELDS.CustomerRegistered).toEqual(['displayName', 'email', 'phone']);
  });

  it('marks them in the published schemas (GET /v1/schemas) and nowhere else', () => {
    for (const type of EVENT_TYPES) {
      const marked = Object.entries(dataProperties(jsonSchemaFor(type))).filter(([, schema]) => schema[PERSONAL_DATA_KEYWORD] === true).map(([name]) => name);
      expect({ type, marked }).toEqual({ type, marked: [...PERSONAL_DATA_FIELDS[type]] });
    }
  });

  it('accepts a sealed value in a personal-data field of the stored form only, and nowhere else', () => {
    const registered = sampleEvent('CustomerRegistered');
    const sealed = { ...registered, data: { ...registered.data, displayName: TOKEN, email: TOKEN, phone: TOKEN } };
    expect(validateWithJsonSchema(sealed, { form: 'stored' }).ok).toBe(true);
    expect(validateWithJsonSchema(sealed).ok).toBe(false);
    // The clear value of an event stored before sealing is still valid where stored.
    expect(validateWithJsonSchema(registered, { form: 'stored' }).ok).toBe(true);
    // A token in a field that is not personal data stays a violation, as does a token of another shape.
    const channel = validateWithJsonSchema({ ...registered, data: { ...registered.data, acquisitionChannel: 'x'.repeat(129) } }, { form: 'stored' });
    expect(channel.ok).toBe(false);
    const malformed = validateWithJsonSchema({ ...registered, data: { ...registered.data, email: 'pii:1:0:short' } }, { form: 'stored' });
    expect(malformed.ok).toBe(false);
    if (!malformed.ok) expect(malformed.violations.map((v) => v.path)).toEqual(['data.email']);
    const complaint = sampleEvent('ComplaintFiled');
    expect(validateWithJsonSchema({ ...complaint, data: { ...complaint.data, description: TOKEN } }, { form: 'stored' }).ok).toBe(true);
    expect(validateWithJsonSchema({ ...complaint, data: { ...complaint.data, severity: TOKEN } }, { form: 'stored' }).ok).toBe(false);
  });

  it('keeps the erasure event for the platform: a system type', () => {
    expect(isSystemEventType('PersonalDataErased')).toBe(true);
    expect(isSystemEventType('CustomerRegistered')).toBe(false);
    expect(validateWithJsonSchema(sampleEvent('PersonalDataErased'), { form: 'stored' }).ok).toBe(true);
  });
});
