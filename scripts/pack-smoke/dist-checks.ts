// Checks on the installed package's dist/ files: the source maps, and the bare imports of every
// JS and .d.ts file against package.json's dependencies and each entry's intended peers.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, posix, relative } from 'node:path';
import ts from 'typescript';
import type { Entry } from './entries.js';
import type { Outcome, PackageJson } from './tarball.js';

/**
 * Source maps ship their sources inline (`sourcesContent`): their `sources` name ../src files the
 * tarball leaves out. None may be absolute (a build machine's path) or come from node_modules (a
 * bundled dependency), and every `sourceMappingURL` must name a shipped map.
 */
export function checkSourceMaps(pkgDir: string): Outcome {
  const problems: string[] = [];
  let maps = 0;
  for (const file of listFiles(join(pkgDir, 'dist'))) {
    const rel = relative(pkgDir, file);
    if (/\.[cm]?js$/.test(file)) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(file, 'utf8'))?.[1];
      if (url && !url.startsWith('data:') && !existsSync(join(dirname(file), url))) {
        problems.push(`${rel}: sourceMappingURL ${url} is not in the tarball`);
      }
    }
    if (!file.endsWith('.map')) continue;
    maps++;
    const map = JSON.parse(readFileSync(file, 'utf8')) as {
      sources?: string[];
      sourcesContent?: (string | null)[];
      sourceRoot?: string;
    };
    const sources = map.sources ?? [];
    if (map.sourceRoot && /^(\/|[a-z]+:|[A-Za-z]:)/.test(map.sourceRoot)) {
      problems.push(`${rel}: absolute sourceRoot ${map.sourceRoot}`);
    }
    sources.forEach((source, i) => {
      if (/^(\/|file:|[A-Za-z]:[\\/])/.test(source)) problems.push(`${rel}: absolute source ${source}`);
      if (source.includes('node_modules/')) problems.push(`${rel}: bundles ${source}`);
      if (typeof map.sourcesContent?.[i] !== 'string')
        problems.push(`${rel}: no sourcesContent for ${source}`);
      const resolved = posix.normalize(posix.join(posix.dirname(rel), source));
      if (resolved.startsWith('../')) problems.push(`${rel}: ${source} points outside the package`);
    });
  }
  if (problems.length > 0) throw new Error(problems.slice(0, 20).join('\n'));
  return { detail: `${maps} maps, sources inline, no absolute or node_modules paths` };
}

interface Imports {
  static: Set<string>;
  dynamic: Set<string>;
  require: Set<string>;
}

/** The module specifiers a JS file imports: static import/export-from, `import()`, `require()`. */
function jsImports(file: string): Imports {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const found: Imports = { static: new Set(), dynamic: new Set(), require: new Set() };
  for (const statement of source.statements) {
    if (
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      found.static.add(statement.moduleSpecifier.text);
    }
  }
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const arg = node.arguments[0]!;
      if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) {
        if (node.expression.kind === ts.SyntaxKind.ImportKeyword) found.dynamic.add(arg.text);
        else if (ts.isIdentifier(node.expression) && node.expression.text === 'require')
          found.require.add(arg.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const packageName = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
const isBare = (specifier: string) => !specifier.startsWith('.') && !specifier.startsWith('/');

/**
 * Every bare import in dist (JS and .d.ts) is a dependency, a peer or a Node builtin (never a
 * devDependency); each entry's static ESM import graph loads only the peers it is meant to, and
 * Node builtins only where allowed. Declared peers nothing imports are a warning.
 */
export function checkDistImports(pkgDir: string, pkg: PackageJson, entries: readonly Entry[]): Outcome {
  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  const peers = new Set(Object.keys(pkg.peerDependencies ?? {}));
  const problems: string[] = [];
  const used = new Set<string>();
  const files = listFiles(join(pkgDir, 'dist'));
  const jsCache = new Map<string, Imports>();
  const importsOf = (file: string) => {
    const cached = jsCache.get(file);
    if (cached) return cached;
    const imports = jsImports(file);
    jsCache.set(file, imports);
    return imports;
  };

  const checkBare = (rel: string, specifier: string) => {
    if (!isBare(specifier) || isBuiltin(specifier)) return;
    const name = packageName(specifier);
    used.add(name);
    if (!deps.has(name) && !peers.has(name)) {
      problems.push(`${rel} imports '${specifier}', which is neither a dependency nor a peer dependency`);
    }
  };
  for (const file of files) {
    const rel = relative(pkgDir, file);
    if (/\.d\.c?ts$/.test(file)) {
      const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, false);
      for (const ref of info.importedFiles) checkBare(rel, ref.fileName);
    } else if (/\.c?js$/.test(file)) {
      const { static: s, dynamic, require } = importsOf(file);
      for (const specifier of [...s, ...dynamic, ...require]) checkBare(rel, specifier);
    }
  }

  for (const entry of entries) {
    const target = esmTarget(pkg, entry.specifier);
    if (!target) {
      problems.push(`${entry.specifier}: no ESM target in package.json exports`);
      continue;
    }
    const seen = new Set<string>();
    const external = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file) || !existsSync(file)) return;
      seen.add(file);
      for (const specifier of importsOf(file).static) {
        if (isBare(specifier)) external.add(specifier);
        else walk(join(dirname(file), specifier));
      }
    };
    walk(join(pkgDir, target));
    for (const specifier of external) {
      const name = packageName(specifier);
      if (isBuiltin(specifier)) {
        if (!entry.nodeBuiltins) problems.push(`${entry.specifier} statically imports Node's '${specifier}'`);
      } else if (peers.has(name) && !entry.staticPeers.includes(name)) {
        problems.push(`${entry.specifier} statically imports the optional peer '${name}'`);
      }
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const unused = [...peers].filter((p) => !used.has(p));
  const detail = `${files.length} files: dependencies, peers and builtins only; static graphs per entry as declared`;
  if (unused.length > 0) {
    return {
      status: 'warn',
      detail: `${detail}\npeer dependencies nothing in dist imports: ${unused.join(', ')}`,
    };
  }
  return { detail };
}

/** The file `import '<specifier>'` loads, relative to the package root. */
export function esmTarget(pkg: PackageJson, specifier: string): string | undefined {
  const subpath = specifier === pkg.name ? '.' : `.${specifier.slice(pkg.name.length)}`;
  const exports = pkg.exports as Record<string, { import?: { default?: string } | string }> | undefined;
  const conditions = exports?.[subpath]?.import;
  const target = typeof conditions === 'string' ? conditions : conditions?.default;
  return target?.replace(/^\.\//, '');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .sort();
}
