// A tiny plain-text report printer for the demo: sections, aligned tables, a timeline.

export class Report {
  readonly #lines: string[] = [];
  readonly #t0: number;

  constructor(t0: number) {
    this.#t0 = t0;
  }

  title(text: string): void {
    this.#lines.push('', text, '='.repeat(text.length));
  }

  section(text: string): void {
    this.#lines.push('', text, '-'.repeat(text.length));
  }

  line(text = ''): void {
    this.#lines.push(text);
  }

  /** A timeline entry stamped relative to the scenario's start. */
  at(now: number, text: string): void {
    const s = ((now - this.#t0) / 1000).toFixed(1).padStart(6);
    this.#lines.push(`  t+${s}s  ${text}`);
  }

  table(rows: (string | number)[][]): void {
    const widths: number[] = [];
    for (const row of rows) {
      row.forEach((c, i) => {
        widths[i] = Math.max(widths[i] ?? 0, String(c).length);
      });
    }
    rows.forEach((row, r) => {
      this.#lines.push(`  ${row.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
      if (r === 0) this.#lines.push(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
    });
  }

  check(ok: boolean, text: string): boolean {
    this.#lines.push(`  [${ok ? 'ok' : 'FAIL'}] ${text}`);
    return ok;
  }

  toString(): string {
    return this.#lines.join('\n');
  }
}
