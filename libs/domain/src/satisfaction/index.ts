export { SATISFACTION_LABELS, normaliseScore, satisfactionLevel, npsClass } from './satisfaction.scale';
