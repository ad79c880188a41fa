import { ValidateBy, ValidationArguments } from 'class-validator';
import { RATING_CONTEXTS, RATING_SCALES, RatingContext, RatingScale, SatisfactionRatedData } from '../event-types';
import { EnumField, IdField, IntegerField, JsonSchemaExtras } from './field.decorators';

const MAX_SCALE = Math.max(...RATING_SCALES);

/** Cross-field rule: score ≤ scale. Silent unless both are well-typed, so one fault gives one message. */
function ScoreWithinScale(): PropertyDecorator {
  return ValidateBy({
    name: 'scoreWithinScale',
    validator: {
      validate: (score: unknown, args?: ValidationArguments) => {
        const scale = (args?.object as { scale?: unknown } | undefined)?.scale;
        if (typeof score !== 'number' || !(RATING_SCALES as readonly unknown[]).includes(scale)) return true;
        return score <= (scale as number);
      },
      defaultMessage: (args?: ValidationArguments) =>
        `score must be at most the scale (${String((args?.object as { scale?: unknown }).scale)})`,
    },
  });
}

// The JSON Schema counterpart of ScoreWithinScale: one if/then per scale.
@JsonSchemaExtras({
  allOf: RATING_SCALES.map((scale) => ({
    if: { properties: { scale: { const: scale } }, required: ['scale'] },
    then: { properties: { score: { type: 'integer', maximum: scale } } },
  })),
})
export class SatisfactionRatedDataDto implements SatisfactionRatedData {
  @IntegerField({ min: 1, max: MAX_SCALE }, { description: '1 … scale', example: 4 })
  @ScoreWithinScale()
  score: number;

  @EnumField(RATING_SCALES, { description: '5-point or 7-point scale', example: 5 })
  scale: RatingScale;

  @EnumField(RATING_CONTEXTS, { example: 'contact' })
  context: RatingContext;

  @IntegerField({ min: 0, max: 10 }, { optional: true, description: 'How likely to recommend, 0 … 10 (NPS question)', example: 9 })
  recommendLikelihood?: number;

  @IdField({ optional: true, description: 'The agent being rated, when the context is a contact', example: 'A-17' })
  agentId?: string;
}
