/** One sample of a Prometheus text exposition: the value of `name` with exactly `labels`, or undefined. */
export function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',');
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(/,(?=[a-zA-Z_]+=")/).filter((p) => p !== '').sort().join(',');
    if (have === wanted) return Number(match[3]);
  }
  return undefined;
}
