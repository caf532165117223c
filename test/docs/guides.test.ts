// Keeps the guides in docs/ honest: every ```ts block compiles against the current API, errors.md
// names every error code and error class the SDK defines, configuration.md names every environment
// variable the examples read, and every relative link between the guides points at a file.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const docsDir = path.join(root, 'docs');

/** The guides: docs/*.md (not docs/protocols, not the generated docs/api). */
const guides = readdirSync(docsDir)
  .filter((f) => f.endsWith('.md'))
  .sort();

const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

function walk(dir: string, accept: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...walk(full, accept));
    else if (accept(full)) out.push(full);
  }
  return out.sort();
}

interface Snippet {
  doc: string;
  /** 1-based line of the first code line in the markdown file. */
  line: number;
  code: string;
}

/** Every fenced ```ts / ```typescript block; ```ts nocheck opts a block out. */
function snippets(doc: string): Snippet[] {
  const lines = read(`docs/${doc}`).split('\n');
  const out: Snippet[] = [];
  let open: { line: number; body: string[]; check: boolean } | null = null;
  lines.forEach((text, i) => {
    if (open === null) {
      const fence = /^```(ts|typescript)\b(.*)$/.exec(text.trim());
      if (fence) open = { line: i + 2, body: [], check: !/\bnocheck\b/.test(fence[2] ?? '') };
      return;
    }
    if (text.trim() === '```') {
      if (open.check) out.push({ doc, line: open.line, code: open.body.join('\n') });
      open = null;
      return;
    }
    open.body.push(text);
  });
  return out;
}

describe('docs guides', () => {
  const scratch = path.join(root, 'node_modules', '.cache', `steadycall-doc-snippets-${process.pid}`);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('has the guides the index links to', () => {
    for (const name of [
      'README.md',
      'getting-started.md',
      'architecture.md',
      'runbook.md',
      'deploying-express.md',
      'deploying-supabase.md',
      'testing.md',
      'configuration.md',
      'errors.md',
    ]) {
      expect(guides).toContain(name);
    }
  });

  it('every ```ts block in docs/*.md type-checks against the current API', () => {
    const all = guides.flatMap(snippets);
    expect(all.length).toBeGreaterThan(10);
    // Inside the repository (under node_modules, which tsc and biome skip) so that bare imports
    // (express, twilio, vitest) resolve from the project's node_modules, and `steadycall/*` through
    // the tsconfig paths to src/.
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    const files = new Map<string, Snippet>();
    all.forEach((s, i) => {
      const file = path.join(scratch, `${s.doc.replace(/\W/g, '_')}_${String(i).padStart(3, '0')}.ts`);
      // Each block is its own module: names never clash, top-level await is allowed.
      writeFileSync(file, `${s.code}\nexport {};\n`);
      files.set(path.normalize(file), s);
    });

    const configPath = path.join(root, 'tsconfig.json');
    const config = ts.readConfigFile(configPath, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
    const program = ts.createProgram({
      rootNames: [...files.keys()],
      options: { ...parsed.options, noEmit: true, incremental: false },
    });
    const problems: string[] = [];
    for (const [file, snippet] of files) {
      const source = program.getSourceFile(file);
      if (!source) {
        problems.push(`${snippet.doc}:${snippet.line}: not compiled`);
        continue;
      }
      const diagnostics = [
        ...program.getSyntacticDiagnostics(source),
        ...program.getSemanticDiagnostics(source),
      ];
      for (const d of diagnostics) {
        const where =
          d.start === undefined
            ? snippet.line
            : snippet.line + source.getLineAndCharacterOfPosition(d.start).line;
        problems.push(
          `docs/${snippet.doc}:${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
        );
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('errors.md names every error code and every error class defined in src', () => {
    const errorsDoc = read('docs/errors.md');
    const sources = walk(path.join(root, 'src'), (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const codes = new Set<string>();
    const classes = new Set<string>();
    // The SteadyCallErrorCode union.
    const union = /export type SteadyCallErrorCode =([^;]+);/.exec(read('src/core/errors.ts'));
    expect(union).not.toBeNull();
    for (const m of union![1]!.matchAll(/'([a-z_]+)'/g)) codes.add(m[1]!);
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      // Error bodies written by hand: json({ error: { code: 'method_not_allowed', ... } }).
      for (const m of text.matchAll(/error: \{ code: '([a-z_]+)'/g)) codes.add(m[1]!);
      // Direct constructions: new SteadyCallError('internal', ...).
      for (const m of text.matchAll(/new SteadyCallError\(\s*'([a-z_]+)'/g)) codes.add(m[1]!);
      for (const m of text.matchAll(/export class (\w+) extends (\w*Error)\b/g)) {
        if (m[2] === 'SteadyCallError' || classes.has(m[2]!)) classes.add(m[1]!);
      }
    }
    classes.add('SteadyCallError');
    expect(codes.size).toBeGreaterThanOrEqual(13);
    expect(classes.size).toBeGreaterThanOrEqual(10);
    const missing = [...codes, ...classes].filter((name) => !errorsDoc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('configuration.md names every environment variable the examples read', () => {
    const configDoc = read('docs/configuration.md');
    const names = new Set<string>();
    const exampleSources = walk(path.join(root, 'examples'), (f) => /\.(ts|tsx|mts)$/.test(f));
    expect(exampleSources.length).toBeGreaterThan(3);
    for (const file of exampleSources) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) names.add(m[1]!);
      for (const m of text.matchAll(/\benv\(\s*'([A-Z][A-Z0-9_]+)'/g)) names.add(m[1]!);
      for (const m of text.matchAll(/Deno\.env\.get\(\s*'([A-Z][A-Z0-9_]+)'/g)) names.add(m[1]!);
      for (const m of text.matchAll(/positiveNumber\(\s*env,\s*'([A-Z][A-Z0-9_]+)'/g)) names.add(m[1]!);
      for (const m of text.matchAll(/required\(\s*env,\s*'([A-Z][A-Z0-9_]+)'/g)) names.add(m[1]!);
    }
    const envExamples = walk(path.join(root, 'examples'), (f) => path.basename(f).startsWith('.env'));
    expect(envExamples.length).toBeGreaterThanOrEqual(2);
    for (const file of envExamples) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)) names.add(m[1]!);
    }
    expect(names.size).toBeGreaterThan(20);
    const missing = [...names].filter((name) => !configDoc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('relative links between the guides point at existing files', () => {
    const broken: string[] = [];
    for (const doc of guides) {
      for (const m of read(`docs/${doc}`).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (target === '' || /^[a-z]+:/i.test(target)) continue; // anchors, http(s), mailto
        // docs/api is generated by `npm run docs` and may not exist in a fresh checkout.
        if (/^(\.\/)?api(\/|$)/.test(target)) continue;
        const resolved = path.resolve(docsDir, target);
        try {
          statSync(resolved);
        } catch {
          broken.push(`docs/${doc}: ${m[1]}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
