/**
 * Nelder–Mead simplex minimiser (Lagarias et al. 1998 coefficients), with restarts from the
 * best vertex because a single run can stall on an elongated valley (the BG/NBD likelihood
 * has one along the a/b ridge). Deterministic: same start, same result.
 */

export interface NelderMeadOptions {
  /** Stop when the spread of the simplex values is below ftol × (|f| + 1e-10). @defaultValue 1e-12 */
  ftol?: number;
  /** ... and every vertex is within xtol of the best one in every coordinate. @defaultValue 1e-9 */
  xtol?: number;
  /** Function evaluations allowed over all restarts. @defaultValue 20_000 */
  maxEvaluations?: number;
  /** Initial simplex step in each coordinate. @defaultValue 0.5 */
  initialStep?: number;
  /** Restarts from the best vertex after convergence (stops early when nothing improves). @defaultValue 3 */
  restarts?: number;
}

export interface NelderMeadResult {
  x: number[];
  value: number;
  evaluations: number;
  converged: boolean;
}

export function nelderMead(f: (x: number[]) => number, start: number[], options: NelderMeadOptions = {}): NelderMeadResult {
  const ftol = options.ftol ?? 1e-12;
  const xtol = options.xtol ?? 1e-9;
  const maxEvaluations = options.maxEvaluations ?? 20_000;
  const step = options.initialStep ?? 0.5;
  const restarts = options.restarts ?? 3;
  let evaluations = 0;
  // Non-finite values (overflow, invalid region) count as +∞ so the simplex moves away from them.
  const evaluate = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };

  let best = start.slice();
  let bestValue = evaluate(best);
  let converged = false;
  for (let round = 0; round <= restarts; round++) {
    const run = runOnce(evaluate, best, step, ftol, xtol, () => evaluations < maxEvaluations);
    const improved = run.value < bestValue - ftol * (Math.abs(bestValue) + 1e-10);
    if (run.value <= bestValue) {
      best = run.x;
      bestValue = run.value;
    }
    converged = run.converged;
    if (!run.converged || (round > 0 && !improved)) break;
  }
  return { x: best, value: bestValue, evaluations, converged: converged && Number.isFinite(bestValue) };
}

function runOnce(
  evaluate: (x: number[]) => number,
  start: number[],
  step: number,
  ftol: number,
  xtol: number,
  budgetLeft: () => boolean,
): { x: number[]; value: number; converged: boolean } {
  const n = start.length;
  const points: number[][] = [start.slice()];
  for (let i = 0; i < n; i++) {
    const p = start.slice();
    p[i] += step;
    points.push(p);
  }
  const values = points.map(evaluate);
  const order = Array.from({ length: n + 1 }, (_, i) => i);

  while (budgetLeft()) {
    // Stable sort by value then index keeps the run deterministic when values tie.
    order.sort((i, j) => values[i] - values[j] || i - j);
    const bi = order[0];
    const wi = order[n];
    const swi = order[n - 1];
    const spread = Math.abs(values[wi] - values[bi]);
    let size = 0;
    for (const i of order) for (let k = 0; k < n; k++) size = Math.max(size, Math.abs(points[i][k] - points[bi][k]));
    if (spread <= ftol * (Math.abs(values[bi]) + 1e-10) && size <= xtol) {
      return { x: points[bi].slice(), value: values[bi], converged: true };
    }

    const centroid = new Array<number>(n).fill(0);
    for (const i of order.slice(0, n)) for (let k = 0; k < n; k++) centroid[k] += points[i][k] / n;
    const along = (coef: number): number[] => centroid.map((c, k) => c + coef * (points[wi][k] - c));

    const reflected = along(-1);
    const fr = evaluate(reflected);
    if (fr < values[bi]) {
      const expanded = along(-2);
      const fe = evaluate(expanded);
      if (fe < fr) replace(wi, expanded, fe);
      else replace(wi, reflected, fr);
    } else if (fr < values[swi]) {
      replace(wi, reflected, fr);
    } else {
      const outside = fr < values[wi];
      const contracted = along(outside ? -0.5 : 0.5);
      const fc = evaluate(contracted);
      if (fc < (outside ? fr : values[wi])) {
        replace(wi, contracted, fc);
      } else {
        // Shrink every vertex towards the best one.
        for (const i of order.slice(1)) {
          points[i] = points[i].map((v, k) => points[bi][k] + 0.5 * (v - points[bi][k]));
          values[i] = evaluate(points[i]);
        }
      }
    }
  }
  order.sort((i, j) => values[i] - values[j] || i - j);
  return { x: points[order[0]].slice(), value: values[order[0]], converged: false };

  function replace(i: number, p: number[], v: number): void {
    points[i] = p;
    values[i] = v;
  }
}
