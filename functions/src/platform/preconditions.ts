// Conditional request headers (RFC 9110 section 13). Versions travel as strong ETags ("3"):
// If-Match compares strongly, so a weak tag (W/"3") never matches it; If-None-Match compares
// weakly, so W/"3" and "3" both match version 3, and * matches any current representation.
import { BadRequestError } from "./errors";

const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e]*)"$/;

interface EntityTag {
  weak: boolean;
  opaque: string;
}

/** The header's tags, or "*"; a malformed header is a 400 naming it. */
function parseTags(header: string, name: string): EntityTag[] | "*" {
  const trimmed = header.trim();
  if (trimmed === "*") return "*";
  const tags = trimmed.split(",").map((part) => ENTITY_TAG.exec(part.trim()));
  if (trimmed === "" || tags.some((tag) => tag === null)) {
    throw new BadRequestError(`${name} must be * or a list of entity tags such as "3"`, [
      { path: name, message: 'not an entity tag list (expected "3" or W/"3")' },
    ]);
  }
  return tags.map((tag) => ({ weak: tag?.[1] !== undefined, opaque: tag?.[2] ?? "" }));
}

const versionOf = (opaque: string): number | undefined =>
  /^[1-9]\d{0,8}$/.test(opaque) ? Number(opaque) : undefined;

/**
 * The version If-Match requires: undefined without the header or with *, 0 (no task ever has it,
 * so the write answers 412 with the current ETag) when no tag can match strongly.
 */
export function requiredVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const tags = parseTags(header, "If-Match");
  if (tags === "*") return undefined;
  const versions = new Set(tags.filter((tag) => !tag.weak).flatMap((tag) => versionOf(tag.opaque) ?? []));
  if (versions.size > 1) {
    throw new BadRequestError("If-Match may name one version", [
      { path: "If-Match", message: "several versions; send the one you read" },
    ]);
  }
  return [...versions][0] ?? 0;
}

/** Whether If-None-Match matches a task at this version (then a GET answers 304). */
export function noneMatchHits(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  const tags = parseTags(header, "If-None-Match");
  return tags === "*" || tags.some((tag) => versionOf(tag.opaque) === version);
}
