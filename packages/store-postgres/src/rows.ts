import type { SessionKind } from "@latchkey/core";

/** Helpers that check values read from PostgreSQL instead of casting them. */

/** A row as node-postgres returns it: column name → value. */
export type Row = Record<string, unknown>;

/** An error for a row that does not have the shape this code expects. */
export function rowShapeError(table: string, column: string): Error {
  return new Error(`A ${table} row has a missing or malformed "${column}" column; is the schema current?`);
}

/**
 * A `bigint` column as a number. node-postgres returns int8 as a decimal string (it may
 * exceed 2^53); latchkey's ids and ms times never do, which this checks.
 */
export function bigintColumn(row: Row, table: string, column: string): number {
  const value = row[column];
  const parsed = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof parsed !== "number" || !Number.isSafeInteger(parsed)) throw rowShapeError(table, column);
  return parsed;
}

/** A nullable `bigint` column as a number or null. */
export function nullableBigintColumn(row: Row, table: string, column: string): number | null {
  return row[column] === null ? null : bigintColumn(row, table, column);
}

/** A `text` value (of `column` in `table`, for the error) as a string. */
export function textValue(value: unknown, table: string, column: string): string {
  if (typeof value !== "string") throw rowShapeError(table, column);
  return value;
}

/** A nullable `text` value as a string or null. */
export function nullableTextValue(value: unknown, table: string, column: string): string | null {
  if (value === null || typeof value === "string") return value;
  throw rowShapeError(table, column);
}

/** A `text` column as a string. */
export function textColumn(row: Row, table: string, column: string): string {
  return textValue(row[column], table, column);
}

/** A nullable `text` column as a string or null. */
export function nullableTextColumn(row: Row, table: string, column: string): string | null {
  return nullableTextValue(row[column], table, column);
}

/** A session's `kind` value, checked: only the kinds latchkey writes. */
export function sessionKindValue(value: unknown, table: string): SessionKind {
  if (value !== "cookie" && value !== "bearer")
    throw new Error(`A ${table} row has an unknown kind; is the schema current?`);
  return value;
}

/** A `boolean` column as a boolean. */
export function booleanColumn(row: Row, table: string, column: string): boolean {
  const value = row[column];
  if (typeof value !== "boolean") throw rowShapeError(table, column);
  return value;
}

/** A `text[]` column as an array of strings. */
export function textArrayColumn(row: Row, table: string, column: string): string[] {
  const value = row[column];
  if (!Array.isArray(value)) throw rowShapeError(table, column);
  const items: string[] = [];
  for (const item of value) {
    if (typeof item !== "string") throw rowShapeError(table, column);
    items.push(item);
  }
  return items;
}
