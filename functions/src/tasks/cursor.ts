// Opaque keyset cursors. A cursor names the row it continues from and a fingerprint of the query
// it belongs to, so a cursor replayed against another sort or filter set is refused, not misread.
import { createHash } from "node:crypto";
import * as z from "zod";
import { LIST_FILTER_KEYS, MAX_TASK_ID } from "#contract/constants";
import { isStorableText, type ListFilters, type SortSpec } from "#contract/schemas";
import { InvalidCursorError } from "../platform/errors";

const CursorPayload = z.strictObject({
  /** query fingerprint */
  q: z.string().length(12),
  /** the ordering key of the boundary row, as PostgreSQL prints it */
  k: z.string().max(1_000).refine(isStorableText),
  /** the boundary row's id (a bigint) */
  i: z
    .string()
    .regex(/^[1-9]\d{0,18}$/)
    .refine((id) => /^\d{1,19}$/.test(id) && BigInt(id) <= MAX_TASK_ID),
  /** "n": rows after the boundary, "p": rows before it */
  d: z.enum(["n", "p"]),
});
export type Cursor = z.infer<typeof CursorPayload>;

export function queryFingerprint(sort: SortSpec, filters: ListFilters): string {
  const normalized = JSON.stringify([
    sort.key,
    sort.direction,
    ...LIST_FILTER_KEYS.map((key) => {
      const value = filters[key];
      return Array.isArray(value) ? [...value].sort() : (value ?? null);
    }),
  ]);
  return createHash("sha256").update(normalized).digest("base64url").slice(0, 12);
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

export function decodeCursor(raw: string, fingerprint: string): Cursor {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw new Error("not base64url");
    parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError("malformed");
  }
  const result = CursorPayload.safeParse(parsed);
  if (!result.success) {
    throw new InvalidCursorError("malformed");
  }
  if (result.data.q !== fingerprint) {
    throw new InvalidCursorError("other query");
  }
  return result.data;
}
