// Vitest global setup: a PostgreSQL server for the suites that need one. Uses DATABASE_URL when
// set; otherwise starts a throwaway server. In CI a missing server fails the run: those suites
// must never be skipped silently there.
import type { TestProject } from 'vitest/node';
import { startLeakCapture } from './leak-check.js';
import { PgServer } from './pg-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string | null;
  }
}

export default async function setup(project: TestProject) {
  // Every log line and incident of the run is captured and checked for test secrets at the end.
  const checkLeaks = startLeakCapture(project);
  const given = process.env.DATABASE_URL;
  if (given) {
    project.provide('databaseUrl', given);
    return checkLeaks;
  }
  let server: PgServer | null = null;
  try {
    server = await PgServer.start();
  } catch (error) {
    if (process.env.CI) throw error;
    console.warn(
      `\n!!! PostgreSQL could not be started; its suites are SKIPPED: ${(error as Error).message}\n`,
    );
  }
  project.provide('databaseUrl', server?.url ?? null);
  return async () => {
    await server?.destroy();
    checkLeaks();
  };
}
