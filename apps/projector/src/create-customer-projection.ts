import { CustomerProjection } from './customer-projection';
import { SummaryProjection } from './summary.projection';

/** The one place that says which view function the platform projects (live and on rebuild). */
export function createCustomerProjection(): CustomerProjection {
  return new SummaryProjection();
}
