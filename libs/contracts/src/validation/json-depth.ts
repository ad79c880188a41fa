/**
 * The deepest nesting of objects and arrays a published document may have. The contract nests
 * four levels at most (a batch, its events, an event's data, a value); 32 leaves room and keeps
 * recursive tools (class-transformer, structuredClone, loggers) far from a stack overflow.
 */
export const MAX_JSON_DEPTH = 32;

interface Frame {
  value: object;
  depth: number;
  parent: Frame | null;
  key: string;
}

const pathOf = (frame: Frame): string => {
  const keys: string[] = [];
  for (let at: Frame | null = frame; at?.parent; at = at.parent) keys.push(at.key);
  return keys.reverse().reduce((path, key) => (/^\d+$/.test(key) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`), '');
};

/**
 * Where `value` nests objects and arrays deeper than `maxDepth` (a top-level object is depth 1):
 * the path of the first container beyond the limit ('' for the top level), or undefined.
 * Iterative, and it never descends past the limit, so any depth is safe to check.
 */
export function pathBeyondDepth(value: unknown, maxDepth: number = MAX_JSON_DEPTH): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const stack: Frame[] = [{ value, depth: 1, parent: null, key: '' }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > maxDepth) return pathOf(frame);
    for (const key of Object.keys(frame.value)) {
      const child = (frame.value as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: frame.depth + 1, parent: frame, key });
    }
  }
  return undefined;
}

export const tooDeepMessage = (maxDepth: number = MAX_JSON_DEPTH) => `objects and arrays may nest at most ${maxDepth} levels deep`;
