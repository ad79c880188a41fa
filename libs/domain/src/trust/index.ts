export { slaDeadlineMs, slaBreachMs, resolvedWithinSla } from './complaint-sla';
