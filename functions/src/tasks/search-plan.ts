// How a search page is read: which of PostgreSQL's plans to run, learned per term. No SQL here;
// tasks/repository.ts supplies the three ways of reading a page and this module picks among them.
//
// The planner cannot estimate how many titles contain a substring (it guessed 98 for 16,295 at 1M
// rows), so left alone it picks the trigram bitmap, which reads every match's heap page (34 ms
// alone, 650 ms under load, for that phrase) where walking the ordering's index would read a few
// thousand index entries (about 1 ms). Which is cheaper depends on how common the term is:
// - A walk reads the first N rows of the ordering, index-only, and filters them. One that fills
//   the page is exactly right, since it read a prefix of the ordering.
// - A term not seen before (or seen to be rare) first gets the trigram plan with a few
//   milliseconds: plenty when matches are few, and a search that matches nothing is the commonest.
// - If that runs out, the term is common: walks follow, sized by the share of rows the term
//   matched last time (remembered per term, filters and ordering in this process), else a
//   4,000-row probe and a walk sized from what it found (8x further if nothing, as when the newest
//   rows are unlike the rest).

import { setNewest } from "../platform/bounded-map";

export interface SearchReaders<Row> {
  /** The page among the first `rows` rows of the ordering; shorter than the limit if they hold too few. */
  walk(rows: number): Promise<Row[]>;
  /** The trigram plan with a short time limit. */
  rare(): Promise<Row[] | "timeout">;
  /** The planner's own plan, whatever it costs. */
  planned(): Promise<Row[]>;
}

/** Rows a search probes when nothing is known of its term (about 1 ms at 1M rows). */
export const PROBE_ROWS = 4_000;
/** The longest walk (~25 ms); beyond it the trigram plan is cheaper. */
export const MAX_WALK_ROWS = 100_000;
/** Sizing margin over the observed share: the page fills in one walk even if matches bunch up. */
const MARGIN = 1.5;
const REMEMBERED_TERMS = 1_000;

/** Share of walked rows that matched, per term and filters; 0 for a term known to be rare. */
const selectivity = new Map<string, number>();

function remember(term: string, share: number): void {
  setNewest(selectivity, term, share, REMEMBERED_TERMS);
}

/** Forgets every term (for tests that need the cold path). */
export function forgetSearchTerms(): void {
  selectivity.clear();
}

/**
 * A search page: `wanted` is offset + limit, the matches a walk must find; `limit` the rows the
 * page returns. `term` identifies the search and its filters.
 */
export async function readSearchPage<Row>(
  term: string,
  wanted: number,
  limit: number,
  read: SearchReaders<Row>,
): Promise<Row[]> {
  const sizedFor = (share: number) => Math.max(PROBE_ROWS, Math.ceil((wanted * MARGIN) / share));
  const walkAndLearn = async (rows: number) => {
    const page = await read.walk(rows);
    if (page.length === limit) {
      // At least `wanted` matches in `rows`: only a bound from below, so it never lowers what a
      // short walk measured (else every sized walk would halve the estimate for the next one).
      remember(term, Math.max(selectivity.get(term) ?? 0, wanted / rows));
    } else {
      // Exactly the offset plus its rows; an empty page past an offset, anything up to the offset.
      remember(term, page.length > 0 ? (wanted - limit + page.length) / rows : 0);
    }
    return page;
  };

  const known = selectivity.get(term);
  if (!known) {
    // New or known rare: the trigram plan answers at once when matches are few (no match at all
    // is the commonest search), and runs out of time when they are many.
    const rare = await read.rare();
    if (rare !== "timeout") {
      remember(term, 0);
      return rare;
    }
  }
  let rows = known ? sizedFor(known) : PROBE_ROWS;
  let sawAny = false;
  for (let walks = 0; walks < 3 && rows <= MAX_WALK_ROWS; walks += 1) {
    const page = await walkAndLearn(rows);
    if (page.length === limit) return page;
    const share = selectivity.get(term) ?? 0;
    sawAny ||= share > 0;
    // Nothing in 32,000 rows either: the trigram plan timed out on load, not on matches.
    if (!sawAny && rows >= PROBE_ROWS * 8) break;
    // A short walk found fewer than wanted, so the sized walk is longer; none at all: 8x further.
    rows = share > 0 ? sizedFor(share) : rows * 8;
  }
  return read.planned();
}
