import pg from "pg";
import type { Connection, Pool } from "pg";

/**
 * What {@link runRawRows} uses of node-postgres' `Query` beyond its published types: the
 * members its `submit()` calls back into (pg 8; {@link rawRowsSupported} checks they exist).
 */
interface QueryInternals {
  text: string;
  name: string;
  values: string[];
  _result: { rows: unknown[] };
  hasBeenParsed(connection: Connection): boolean;
}

/** The messages a query sends through node-postgres' `Connection` (pg 8), as it calls them. */
interface ConnectionInternals {
  parse(query: { text: string; name: string; types: never[] }): void;
  bind(config: { portal: string; statement: string; values: string[]; binary: false }): void;
  execute(config: { portal: string }): void;
  close(config: { type: "S"; name: string }): void;
  sync(): void;
  /** Statements sent for parsing whose ParseComplete has not come back (pg ≥ 8.12). */
  submittedNamedStatements?: Record<string, string>;
}

/** A row as PostgreSQL sent it: each column's text, or null. */
export type RawRow = (string | null)[];

/**
 * A named statement that sends only Bind, Execute and Sync once the connection has prepared it
 * (Parse the first time), and keeps each DataRow's values as node-postgres' protocol parser
 * read them. node-postgres' own `Query` also sends Describe every time, so PostgreSQL answers
 * a RowDescription (24 column descriptions for the hot read) that node-postgres parses, then
 * looks up a type parser per column and copies every row through them: none of which the hot
 * read needs, since it knows its columns and decodes their text itself (hot-read.ts). Errors,
 * `query_timeout`, statement bookkeeping and the pool's release are node-postgres' own: only
 * `prepare` (what is sent) and `handleDataRow` (what is kept) differ.
 */
class RawRowsQuery extends pg.Query {
  prepare(connection: Connection): void {
    const self = this as unknown as QueryInternals;
    const send = connection as unknown as ConnectionInternals;
    if (!self.hasBeenParsed(connection)) {
      send.parse({ text: self.text, name: self.name, types: [] });
      if (send.submittedNamedStatements !== undefined) send.submittedNamedStatements[self.name] = self.text;
    }
    send.bind({ portal: "", statement: self.name, values: self.values, binary: false });
    send.execute({ portal: "" });
    send.sync();
  }

  handleDataRow(message: { fields: RawRow }): void {
    (this as unknown as QueryInternals)._result.rows.push(message.fields);
  }
}

/**
 * True if `pool` makes node-postgres' JavaScript clients (not `pg.native`'s, which run a query
 * object their own way) and the installed node-postgres has the `Query` members
 * {@link RawRowsQuery} builds on.
 */
export function rawRowsSupported(pool: Pool): boolean {
  const client = (pool as unknown as { Client?: unknown }).Client;
  const javascriptClient =
    typeof client === "function" && (client === pg.Client || client.prototype instanceof pg.Client);
  const query = pg.Query.prototype as unknown as Record<string, unknown>;
  return (
    javascriptClient &&
    typeof query["prepare"] === "function" &&
    typeof query["handleDataRow"] === "function" &&
    typeof query["hasBeenParsed"] === "function" &&
    typeof query["submit"] === "function"
  );
}

/**
 * `values` as a PostgreSQL array literal (`{"a","b \"c\""}`): every element quoted, with `\`
 * and `"` escaped, as node-postgres writes a JavaScript array parameter. The text of each
 * element comes back exactly (a NUL cannot be sent in PostgreSQL text at all).
 */
export function textArrayLiteral(values: readonly string[]): string {
  let literal = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) literal += ",";
    literal += `"${(values[i] ?? "").replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  }
  return `${literal}}`;
}

/**
 * Runs the named statement `name` (`text`, with text parameters `values`) on a connection of
 * `pool` and answers its rows as raw text arrays (see {@link RawRowsQuery}); rejects as
 * `pool.query` does. Only for a caller that decodes every column itself, and after
 * {@link rawRowsSupported} said yes for `pool`.
 */
export function runRawRows(pool: Pool, name: string, text: string, values: string[]): Promise<RawRow[]> {
  const query = new RawRowsQuery({ name, text, values });
  // pg-pool answers every query with a promise of its result (its types say the submittable).
  const result = pool.query(query) as unknown as Promise<{ rows: RawRow[] }>;
  return result.then((answered) => answered.rows);
}
