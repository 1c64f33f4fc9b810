// Drives docker-compose.yml with podman exactly as the README's container section does: the
// project-local containers.conf, the stand-in images from stand-ins.env, podman-compose from
// Debian. Host ports and the project name are the test's own so that nothing collides with a
// native stack, the shared PostgreSQL and Redis, or another run.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { devAuthEnv } from "../../../scripts/lib/dev-keys";

export const ROOT = path.resolve(__dirname, "../../..");

export const SERVICES = ["db", "redis", "functions", "web"] as const;
export type Service = (typeof SERVICES)[number];

export interface StackPorts {
  api: number;
  ws: number;
  lambda: number;
  web: number;
}

export interface CommandResult {
  code: number | null;
  output: string;
}

/** KEY=VALUE lines of an env file (comments and blanks skipped), as `set -a; . file` reads them. */
export function readEnvFile(file: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(path.join(ROOT, file), "utf8").split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1]) values[match[1]] = match[2] ?? "";
  }
  return values;
}

export class ComposeStack {
  readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly project: string,
    readonly ports: StackPorts,
    password: string,
  ) {
    const host = "127.0.0.1";
    this.env = {
      ...process.env,
      CONTAINERS_CONF: path.join(ROOT, "infra/docker/podman/containers.conf"),
      ...readEnvFile("infra/docker/podman/stand-ins.env"),
      POSTGRES_PASSWORD: password,
      // The checkout's development identity, as `npm run -s auth-env` writes it into .env: the
      // functions verify the test's tokens against this key set and demand this control secret.
      JWKS_URL: "",
      ...devAuthEnv(),
      API_HOST_PORT: String(ports.api),
      WS_HOST_PORT: String(ports.ws),
      LAMBDA_HOST_PORT: String(ports.lambda),
      WEB_HOST_PORT: String(ports.web),
      PUBLIC_API_URL: `http://${host}:${ports.api}`,
      PUBLIC_WS_URL: `ws://${host}:${ports.ws}`,
      SITE_ORIGIN: `http://${host}:${ports.web}`,
    };
  }

  /** Runs a command in the repository root with the stack's environment; never throws. */
  run(command: string, args: string[], timeoutMs = 1_200_000): Promise<CommandResult> {
    return new Promise((resolve) => {
      const child = spawn(command, args, { cwd: ROOT, env: this.env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      const collect = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-40_000);
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("error", (error) => {
        clearTimeout(timer);
        resolve({ code: -1, output: `${output}\n${error.message}` });
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  }

  async must(command: string, args: string[], timeoutMs?: number): Promise<string> {
    const result = await this.run(command, args, timeoutMs);
    if (result.code !== 0) {
      throw new Error(`${command} ${args.join(" ")} exited with ${result.code}:\n${result.output}`);
    }
    return result.output;
  }

  compose(...args: string[]): Promise<string> {
    return this.must("podman-compose", ["--project-name", this.project, ...args]);
  }

  container(service: Service): string {
    return `${this.project}_${service}_1`;
  }

  /** The base image (when missing) and the stand-ins for the official node, postgres and redis images. */
  buildStandIns(): Promise<string> {
    return this.must("sh", ["infra/docker/podman/stand-ins.sh"]);
  }

  up(): Promise<string> {
    return this.compose("up", "-d", "--build");
  }

  /** Removes containers, pod, network and volumes; safe to call when nothing is there. */
  async down(): Promise<void> {
    await this.run("podman-compose", ["--project-name", this.project, "down", "--volumes"], 120_000);
    // podman-compose 1.0 leaves the network and the named volumes behind.
    await this.run("podman", ["network", "rm", "--force", `${this.project}_default`], 60_000);
    const label = `label=io.podman.compose.project=${this.project}`;
    const volumes = await this.run("podman", ["volume", "ls", "--quiet", "--filter", label], 60_000);
    const names = volumes.output.split("\n").filter((name) => name.trim() !== "");
    if (names.length > 0) await this.run("podman", ["volume", "rm", "--force", ...names], 60_000);
  }

  /**
   * Runs a service's compose health check until it passes. Podman schedules health checks with
   * systemd timers; without systemd (CI containers, this kind of VM) nothing runs them, so they are
   * run here, as `podman healthcheck run` would by hand.
   */
  async waitHealthy(service: Service, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: CommandResult = { code: null, output: "" };
    while (Date.now() < deadline) {
      last = await this.run("podman", ["healthcheck", "run", this.container(service)], 30_000);
      if (last.code === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const logs = await this.run("podman", ["logs", "--tail", "60", this.container(service)], 30_000);
    throw new Error(`${service} not healthy within ${timeoutMs} ms: ${last.output}\n${logs.output}`);
  }

  /** Host addresses a service's ports are published on ("" when none). */
  async published(service: Service): Promise<string> {
    return (await this.must("podman", ["port", this.container(service)])).trim();
  }

  logs(service: Service): Promise<CommandResult> {
    return this.run("podman", ["logs", "--tail", "80", this.container(service)], 30_000);
  }
}
