import type postgres from 'postgres';

/** A postgres.js client (`postgres(url)`) or a transaction of one. */
export type Sql = postgres.Sql;
