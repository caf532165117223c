import { runbookFlags } from '../../flags/catalog.js';
import type { FlagRecord, FlagStore, FlagWrite, RolloutRule } from '../../flags/store.js';
import { storeOp } from './errors.js';
import type { Sql } from './sql.js';

// One row as selected by `#columns()`, read by position.
type FlagRow = [
  key: string,
  value: string,
  overrides: string,
  rollout: string | null,
  description: string | null,
  updatedAt: number,
];

/**
 * `feature_flags` on PostgreSQL. Every method is one statement; `set` is one
 * `INSERT ... ON CONFLICT DO UPDATE` with the merge rule of the port (fields left out of the write
 * keep their stored value). Rows are listed by key `collate "C"`: the memory store's code-unit order
 * for every key without characters above U+FFFF.
 *
 * @example
 * ```ts
 * const flags = new FlagResolver({ store: new PostgresFlagStore(sql) });
 * ```
 */
export class PostgresFlagStore implements FlagStore {
  readonly #sql: Sql;

  /** @param sql - A postgres.js client (or transaction) on a database migrated with `migrate()`. */
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  list(): Promise<FlagRecord[]> {
    return storeOp('flags.list', async () => {
      const rows = await this.#sql`
        select ${this.#columns()} from feature_flags f order by f.key collate "C"`.values();
      return flagRows(rows).map(toRecord);
    });
  }

  get(key: string): Promise<FlagRecord | null> {
    return storeOp('flags.get', async () => {
      const [row] = flagRows(
        await this.#sql`
        select ${this.#columns()} from feature_flags f where f.key = ${key}`.values(),
      );
      return row ? toRecord(row) : null;
    });
  }

  set(write: FlagWrite, now: number): Promise<FlagRecord> {
    const sql = this.#sql;
    // Each optional field: the written value when given, else the stored one (a new row: none).
    const overrides =
      write.tenantOverrides !== undefined ? sql`excluded.tenant_overrides` : sql`f.tenant_overrides`;
    const rollout = write.rollout !== undefined ? sql`excluded.rollout` : sql`f.rollout`;
    const description = write.description !== undefined ? sql`excluded.description` : sql`f.description`;
    return storeOp('flags.set', async () => {
      const [row] = flagRows(
        await sql`
        insert into feature_flags as f (key, value, tenant_overrides, rollout, description, updated_at)
        values (
          ${write.key},
          ${json(write.value ?? null)}::text::jsonb,
          ${json(write.tenantOverrides ?? {})}::text::jsonb,
          ${write.rollout == null ? null : json(write.rollout)}::text::jsonb,
          ${write.description ?? null}::text,
          steadycall_ms_to_ts(${now})
        )
        on conflict (key) do update set
          value = excluded.value,
          tenant_overrides = ${overrides},
          rollout = ${rollout},
          description = ${description},
          updated_at = excluded.updated_at
        returning ${this.#columns()}`.values(),
      );
      return toRecord(row!);
    });
  }

  delete(key: string): Promise<boolean> {
    return storeOp('flags.delete', async () => {
      const result = await this.#sql`delete from feature_flags where key = ${key}`;
      return result.count > 0;
    });
  }

  /**
   * Sets one tenant's override (or, with `value` undefined, removes it) in one atomic statement,
   * so concurrent writers to different tenants of one flag never lose each other's override.
   * A flag with no row gets one with `defaultValue` as its shared value; removing from a flag with
   * no row returns null. Not (yet) part of the `FlagStore` port.
   *
   * @example
   * ```ts
   * await store.setTenantOverride('ai.enabled', 'tenant-7', false, Date.now(), true);
   * await store.setTenantOverride('ai.enabled', 'tenant-7', undefined, Date.now()); // removed
   * ```
   */
  setTenantOverride(
    key: string,
    tenantId: string,
    value: unknown,
    now: number,
    defaultValue: unknown = null,
  ): Promise<FlagRecord | null> {
    const sql = this.#sql;
    // SQL null means "remove"; an override that is JSON null is the jsonb value 'null'.
    const patch = value === undefined ? null : json(value);
    return storeOp('flags.setTenantOverride', async () => {
      const [row] = flagRows(
        await sql`
        select ${this.#columns()}
        from steadycall_flags_set_tenant_override(
          ${key}::text, ${tenantId}::text, ${patch}::text::jsonb, ${now}::double precision, ${json(defaultValue ?? null)}::text::jsonb
        ) f`.values(),
      );
      return row ? toRecord(row) : null;
    });
  }

  // jsonb travels as text and is parsed here, and rows are read by position (`.values()`), so a
  // client created with a transform (e.g. `postgres.camel`, which also rewrites JSON keys) cannot
  // change flag values or column names.
  #columns() {
    return this.#sql`f.key, f.value::text, f.tenant_overrides::text, f.rollout::text, f.description,
      steadycall_ts_to_ms(f.updated_at)`;
  }
}

/**
 * Inserts the runbook's seven flags with their default values and descriptions, in one statement,
 * leaving any existing row untouched (`on conflict do nothing`), so an operator sees them in
 * `feature_flags`. Optional: an empty table already resolves to the same defaults. Returns how many
 * rows were inserted. `now` (epoch ms) defaults to the database's clock.
 *
 * @example
 * ```ts
 * await migrate(sql);
 * await seedRunbookFlags(sql); // 7 the first time, 0 afterwards
 * ```
 */
export function seedRunbookFlags(sql: Sql, now?: number): Promise<number> {
  const rows = Object.values(runbookFlags).map((def) => ({
    key: def.key,
    value: def.defaultValue,
    description: def.description,
  }));
  return storeOp('flags.seed', async () => {
    const result = await sql`
      insert into feature_flags (key, value, description, updated_at)
      select r.key, r.value, r.description, coalesce(steadycall_ms_to_ts(${now ?? null}), now())
      from jsonb_to_recordset(${json(rows)}::text::jsonb) as r(key text, value jsonb, description text)
      on conflict (key) do nothing`;
    return result.count;
  });
}

// JSON goes in as a text parameter cast in SQL (`${json(v)}::text::jsonb`): a bare `::jsonb`
// parameter would be JSON-encoded a second time by postgres.js, and JSON null would become SQL NULL.
function json(value: unknown): string {
  return JSON.stringify(value);
}

function flagRows(rows: readonly unknown[][]): FlagRow[] {
  return rows as FlagRow[];
}

function toRecord([key, value, overrides, rollout, description, updatedAt]: FlagRow): FlagRecord {
  return {
    key,
    value: JSON.parse(value) as unknown,
    tenantOverrides: JSON.parse(overrides) as Record<string, unknown>,
    rollout: rollout === null ? null : (JSON.parse(rollout) as RolloutRule | null),
    description,
    updatedAt,
  };
}
