/**
 * The 5- and 7-level satisfaction scales of the course notes (客户满意度):
 * 七个级度: 很不满意、不满意、不太满意、一般、较满意、满意、很满意;
 * 五个级度: 很不满意、不满意、一般、满意、很满意.
 */
import type { RatingScale } from '@crm/contracts';
import type { NpsPolicy } from '../policy';
import type { NpsClass, SatisfactionLevel } from '../customer/customer-view.types';

export const SATISFACTION_LABELS: Record<RatingScale, readonly { zh: string; en: string }[]> = {
  5: [
    { zh: '很不满意', en: 'very dissatisfied' },
    { zh: '不满意', en: 'dissatisfied' },
    { zh: '一般', en: 'neutral' },
    { zh: '满意', en: 'satisfied' },
    { zh: '很满意', en: 'very satisfied' },
  ],
  7: [
    { zh: '很不满意', en: 'very dissatisfied' },
    { zh: '不满意', en: 'dissatisfied' },
    { zh: '不太满意', en: 'somewhat dissatisfied' },
    { zh: '一般', en: 'neutral' },
    { zh: '较满意', en: 'somewhat satisfied' },
    { zh: '满意', en: 'satisfied' },
    { zh: '很满意', en: 'very satisfied' },
  ],
};

/** Clamps a score into 1…scale (the DTO validates; the domain stays total). */
export const clampScore = (score: number, scale: RatingScale): number =>
  Number.isFinite(score) ? Math.min(scale, Math.max(1, score)) : 1;

/** 1 -> 0, scale -> 1, linearly: 4/5 = 0.75, 4.5/5 = 0.875, 6/7 ≈ 0.833. */
export const normaliseScore = (score: number, scale: RatingScale): number => (clampScore(score, scale) - 1) / (scale - 1);

export function satisfactionLevel(score: number, scale: RatingScale): SatisfactionLevel {
  const clamped = clampScore(score, scale);
  const label = SATISFACTION_LABELS[scale][Math.round(clamped) - 1];
  return { scale, score: clamped, zh: label.zh, en: label.en };
}

export function npsClass(recommendLikelihood: number, policy: NpsPolicy): NpsClass {
  if (recommendLikelihood >= policy.promoterMin) return 'promoter';
  if (recommendLikelihood >= policy.passiveMin) return 'passive';
  return 'detractor';
}
