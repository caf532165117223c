// Lists every public export (across all package entry points) whose doc comment lacks an `@example`.
// Used by `npm run docs:check` and by test/docs/doc-examples.test.ts.
import path from 'node:path';
import ts from 'typescript';

export const entryPoints = [
  'src/index.ts',
  'src/adapters/express-entry.ts',
  'src/adapters/node-entry.ts',
  'src/storage/postgres/index.ts',
  'src/openfeature/index.ts',
  'src/testing/index.ts',
] as const;

export interface MissingExample {
  entry: string;
  name: string;
  file: string;
  reason: 'no doc comment' | 'no @example';
}

function hasDoc(decl: ts.Declaration): { doc: boolean; example: boolean } {
  // Variable declarations carry their JSDoc on the statement.
  const nodes: ts.Node[] = [decl];
  if (ts.isVariableDeclaration(decl)) nodes.push(decl.parent.parent);
  let doc = false;
  let example = false;
  for (const node of nodes) {
    for (const jsDoc of ts.getJSDocCommentsAndTags(node)) {
      doc = true;
      const tags = ts.isJSDoc(jsDoc) ? (jsDoc.tags ?? []) : [jsDoc];
      if (tags.some((t) => t.tagName.text === 'example')) example = true;
    }
  }
  return { doc, example };
}

export function findMissingExamples(root = process.cwd()): MissingExample[] {
  const configPath = path.join(root, 'tsconfig.docs.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram({
    rootNames: entryPoints.map((e) => path.join(root, e)),
    options: parsed.options,
  });
  const checker = program.getTypeChecker();
  const missing: MissingExample[] = [];
  for (const entry of entryPoints) {
    const source = program.getSourceFile(path.join(root, entry));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`cannot read ${entry}`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decls = symbol.declarations ?? [];
      if (decls.length === 0) continue;
      // Internal symbols are excluded from the docs.
      if (decls.some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === 'internal'))) continue;
      const states = decls.map(hasDoc);
      const file = path.relative(root, decls[0]!.getSourceFile().fileName);
      if (!states.some((s) => s.doc))
        missing.push({ entry, name: exported.name, file, reason: 'no doc comment' });
      else if (!states.some((s) => s.example))
        missing.push({ entry, name: exported.name, file, reason: 'no @example' });
    }
  }
  return missing;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const missing = findMissingExamples();
  for (const m of missing) console.log(`${m.file}\t${m.name}\t${m.reason}\t(${m.entry})`);
  console.log(`${missing.length} public exports without a documented example`);
  process.exitCode = missing.length === 0 ? 0 : 1;
}
