import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { CONTRACT_VALIDATOR_OPTIONS, MAX_JSON_DEPTH, type Violation, flattenValidationErrors } from '@crm/contracts/edge';
import { validationProblem } from './problem';

const joinPath = (prefix: string, key: string) => (/^\d+$/.test(key) ? `${prefix}[${key}]` : prefix === '' ? key : `${prefix}.${key}`);

/**
 * Keys class-transformer and the pipe drop without a word (`__proto__`, and names of what every
 * object inherits: `constructor`, `toString`, `valueOf`, …), so forbidNonWhitelisted never sees
 * them. No DTO declares such a field: they are unknown fields, at any level.
 */
function inheritedNameViolations(value: unknown, path = '', depth = 0, out: Violation[] = []): Violation[] {
  if (typeof value !== 'object' || value === null || depth > MAX_JSON_DEPTH) return out;
  for (const key of Object.keys(value)) {
    if (!Array.isArray(value) && (key === '__proto__' || key in Object.prototype)) {
      out.push({ path: joinPath(path, key), messages: [`property ${key} should not exist`] });
    }
    inheritedNameViolations((value as Record<string, unknown>)[key], joinPath(path, key), depth + 1, out);
  }
  return out;
}

/**
 * The global pipe: DTO validation with the contract's options (unknown fields rejected, every
 * violation named as a problem document), and unknown fields named like Object.prototype
 * members rejected too, before the transformer drops them.
 */
@Injectable()
export class ContractValidationPipe extends ValidationPipe {
  constructor() {
    super({
      ...CONTRACT_VALIDATOR_OPTIONS,
      transform: true,
      exceptionFactory: (errors) => validationProblem(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (this.toValidate(metadata)) {
      const violations = inheritedNameViolations(value);
      if (violations.length > 0) throw validationProblem(violations);
    }
    return super.transform(value, metadata);
  }
}
