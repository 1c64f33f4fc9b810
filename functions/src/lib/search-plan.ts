// How a search page is read: which of PostgreSQL's plans to run, learned per term. No SQL here;
// tasks-repo.ts supplies the three ways of reading a page and this module picks among them.
//
// The planner cannot estimate how many titles contain a substring (it guessed 98 for 16,295 at 1M
// rows), so left alone it picks the trigram bitmap, which reads every match's heap page (34 ms
// alone, 650 ms under load, for that phrase) where walking the ordering's index would read a few
// thousand index entries (about 1 ms). Which is cheaper depends on how common the term is:
// - A walk reads the first N rows of the ordering, index-only, and filters them. One that fills
//   the page is exactly right, since it read a prefix of the ordering.
// - Its size comes from the share of rows the term matched last time (remembered per term and
//   filters in this process), else from a 4,000-row probe.
// - A term that matched nothing in the probe is rare, or the newest rows are unlike the rest (a
//   bulk import): the trigram plan gets a few milliseconds, plenty when matches are few. If that
//   runs out, the term is common after all, and the walks go on.

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
  selectivity.delete(term);
  selectivity.set(term, share);
  if (selectivity.size > REMEMBERED_TERMS) selectivity.delete(selectivity.keys().next().value as string);
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
    // A full page proves at least `wanted` matches in `rows`; a short one, exactly the offset plus
    // its rows; an empty one past an offset, anything up to the offset, so it counts as none.
    const found = page.length === limit ? wanted : page.length > 0 ? wanted - limit + page.length : 0;
    remember(term, found / rows);
    return page;
  };

  const known = selectivity.get(term);
  const first = known === undefined ? PROBE_ROWS : known > 0 ? sizedFor(known) : Number.POSITIVE_INFINITY;
  if (first <= MAX_WALK_ROWS) {
    const page = await walkAndLearn(first);
    if (page.length === limit) return page;
    const share = selectivity.get(term) ?? 0;
    if (share > 0) {
      // A short walk saw `found` < `wanted` matches, so this is longer than the first.
      const rows = sizedFor(share);
      if (rows <= MAX_WALK_ROWS) {
        const longer = await walkAndLearn(rows);
        if (longer.length === limit) return longer;
      }
      return read.planned();
    }
  }
  const rare = await read.rare();
  if (rare !== "timeout") {
    remember(term, 0);
    return rare;
  }
  const longer = await walkAndLearn(PROBE_ROWS * 8);
  if (longer.length === limit) return longer;
  const share = selectivity.get(term) ?? 0;
  if (share > 0 && sizedFor(share) <= MAX_WALK_ROWS) {
    const walked = await walkAndLearn(sizedFor(share));
    if (walked.length === limit) return walked;
  }
  return read.planned();
}
