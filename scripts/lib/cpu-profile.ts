// The heaviest frames of a V8 CPU profile (`node --cpu-prof`), for `npm run bench -- --profile`.
// Frames in the functions' bundles (.esbuild/, minified) are mapped back to their sources and names
// through the bundles' source maps with Node's own SourceMap, so the table names our code as written.
import { readdir, readFile, stat } from "node:fs/promises";
import { SourceMap, type SourceMapPayload } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Frame {
  /** function (where): the frame as a reader finds it in the sources. */
  frame: string;
  /** node_modules package, "ours" (functions/, contract/), "node" (its internals) or a V8 category. */
  owner: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  busyMs: number;
  frames: Frame[];
  owners: { owner: string; selfMs: number; share: number }[];
}

const maps = new Map<string, Promise<SourceMap | undefined>>();

function sourceMapOf(file: string): Promise<SourceMap | undefined> {
  let found = maps.get(file);
  if (!found) {
    found = readFile(`${file}.map`, "utf8").then(
      (text) => new SourceMap(JSON.parse(text) as SourceMapPayload),
      () => undefined,
    );
    maps.set(file, found);
  }
  return found;
}

function ownerOf(source: string): string {
  const modules = source.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const parts = source.slice(modules + "node_modules/".length).split("/");
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? source);
  }
  if (/(^|\/)(functions|contract)\//.test(source)) return "ours";
  if (source.startsWith("node:") || !source.includes("/")) return "node";
  return source;
}

const shortSource = (source: string): string => {
  const modules = source.lastIndexOf("node_modules/");
  if (modules >= 0) return source.slice(modules + "node_modules/".length);
  const ours = /(?:^|\/)((?:functions|contract|scripts)\/.*)$/.exec(source);
  return ours?.[1] ?? source;
};

async function describeFrame(node: ProfileNode): Promise<{ frame: string; owner: string }> {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  if (!url) {
    const name = functionName || "(anonymous)";
    return { frame: name, owner: name.startsWith("(") ? name : "node" };
  }
  let source = url.startsWith("file://") ? fileURLToPath(url) : url;
  let name = functionName || "(anonymous)";
  let line = lineNumber + 1;
  if (source.includes("/.esbuild/")) {
    const origin = (await sourceMapOf(source))?.findEntry(lineNumber, columnNumber);
    if (origin && "originalSource" in origin && origin.originalSource) {
      source = origin.originalSource.replace(/^(\.\.\/)+/, "");
      line = origin.originalLine + 1;
      // Node's findEntry also gives the original name; its types do not declare it yet.
      const original = (origin as { name?: string }).name;
      if (original) name = original;
    }
  }
  return { frame: `${name} (${shortSource(source)}:${line})`, owner: ownerOf(source) };
}

/** The profile in `dir` with the most samples: the serverless-offline process, not npx around it. */
export async function busiestProfile(dir: string): Promise<string | undefined> {
  let best: { file: string; size: number } | undefined;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith(".cpuprofile")) continue;
    const file = path.join(dir, name);
    const { size } = await stat(file);
    if (!best || size > best.size) best = { file, size };
  }
  return best?.file;
}

/** When the process started profiling, from the file's name (CPU.YYYYMMDD.HHMMSS.pid...; local time). */
function profileStartMs(file: string): number | undefined {
  const found = /CPU\.(\d{4})(\d{2})(\d{2})\.(\d{2})(\d{2})(\d{2})\./.exec(path.basename(file));
  if (!found) return undefined;
  const [year, month, day, hour, minute, second] = found.slice(1).map(Number) as number[];
  return new Date(year ?? 0, (month ?? 1) - 1, day, hour, minute, second).getTime();
}

/**
 * Self time per frame. With `sinceMs` (a wall-clock instant), only samples taken after it count:
 * the measured scenarios, not the start, the seeding check or the cache's index build before them.
 */
export async function summarizeProfile(file: string, top = 15, sinceMs?: number): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const started = profileStartMs(file);
  const skipUs = sinceMs !== undefined && started !== undefined ? (sinceMs - started) * 1000 : 0;
  let elapsedUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    elapsedUs += delta;
    if (elapsedUs < skipUs) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const frames = new Map<string, { owner: string; us: number }>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === "(idle)") continue;
    busyUs += us;
    const { frame, owner } = await describeFrame(node);
    const entry = frames.get(frame) ?? { owner, us: 0 };
    entry.us += us;
    frames.set(frame, entry);
  }
  const owners = new Map<string, number>();
  for (const { owner, us } of frames.values()) owners.set(owner, (owners.get(owner) ?? 0) + us);
  const share = (us: number) => (busyUs > 0 ? us / busyUs : 0);
  return {
    file,
    busyMs: busyUs / 1000,
    frames: [...frames.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([frame, { owner, us }]) => ({ frame, owner, selfMs: us / 1000, share: share(us) })),
    owners: [...owners.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([owner, us]) => ({ owner, selfMs: us / 1000, share: share(us) })),
  };
}

export function profileTables(summary: ProfileSummary, title: string): string {
  const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
  return [
    `**${title}**: ${path.basename(summary.file)}, ${(summary.busyMs / 1000).toFixed(1)} s of CPU outside idle`,
    "",
    "| self time by owner | ms | share |",
    "|---|---:|---:|",
    ...summary.owners.map((row) => `| ${row.owner} | ${Math.round(row.selfMs)} | ${pct(row.share)} |`),
    "",
    "| heaviest frames (self time) | owner | ms | share |",
    "|---|---|---:|---:|",
    ...summary.frames.map(
      (row) =>
        `| \`${row.frame.replaceAll("|", "\\|")}\` | ${row.owner} | ${Math.round(row.selfMs)} | ${pct(row.share)} |`,
    ),
  ].join("\n");
}
