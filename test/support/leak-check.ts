// The run's side of the leak check: a fresh capture directory per run (runs in the same checkout
// must not see each other's captures), scanned at teardown; kept on failure for inspection.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { checkCapture, readCapture } from './leak-scan.js';
import { collectTestSecrets } from './secrets.js';

declare module 'vitest' {
  export interface ProvidedContext {
    captureDir: string | null;
  }
}

const DAY = 24 * 60 * 60 * 1000;

/** Creates this run's capture directory and returns the teardown that scans it. */
export function startLeakCapture(project: TestProject): () => void {
  const root = join(process.cwd(), '.tmp', 'captured');
  mkdirSync(root, { recursive: true });
  // Failed runs keep their capture; forget the ones older than a day.
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (Date.now() - statSync(path).mtimeMs > DAY) rmSync(path, { recursive: true, force: true });
  }
  const dir = join(root, `run-${Date.now()}-${process.pid}`);
  mkdirSync(dir);
  project.provide('captureDir', dir);
  return () => {
    const { records } = checkCapture(readCapture(dir), collectTestSecrets(process.cwd()));
    console.log(
      `[leak check] ${records} captured log lines and incidents: no test credential or phone number`,
    );
    // LEAK_CHECK_KEEP=1 keeps a clean capture too, to see what was captured.
    if (!process.env.LEAK_CHECK_KEEP) rmSync(dir, { recursive: true, force: true });
  };
}
