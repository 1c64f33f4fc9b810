// What GET /seed/status answers: how far a running bulk load (a first start's demo data, or an
// `npm run seed`) is, so the site can say "Loading demo data: 43%, about 9 s left".
import * as z from "zod";

export const SeedProgress = z
  .object({
    state: z.literal("loading"),
    loadId: z.string(),
    mode: z.enum(["replace", "append"]),
    /** Rows the load will have. */
    count: z.number().int(),
    rowsLoaded: z.number().int(),
    /** "load" while chunks are COPYed, "build" while indexes, fences and the swap run. */
    phase: z.enum(["load", "build"]),
    /** 0..1 over the whole load, estimated. */
    fraction: z.number(),
    elapsedMs: z.number(),
    /** Estimated time left; null until there is a rate to go by. */
    etaMs: z.number().nullable(),
  })
  .meta({ id: "SeedProgress" });
export type SeedProgress = z.infer<typeof SeedProgress>;

export const SeedStatus = z.object({ seeding: SeedProgress.nullable() }).meta({ id: "SeedStatus" });
export type SeedStatus = z.infer<typeof SeedStatus>;
