// npm run bench:auth: what verifying a bearer token adds to every request, in-process (no HTTP),
// next to an empty async call measured the same way. Prints a table.
import { devAuthEnv, mintDevToken } from "./lib/dev-keys";

async function main(): Promise<void> {
  Object.assign(process.env, devAuthEnv());
  // After the environment is set: config.ts reads it once, at import.
  const { authenticate, bearerToken } = await import("../functions/src/platform/auth");
  const calls = 5_000;
  const header = `Bearer ${mintDevToken({ sub: "bench", role: "editor" })}`;
  // Distinct tokens (distinct subjects) so that each one is verified for the first time.
  const fresh = Array.from(
    { length: calls + 500 },
    (_, i) => `Bearer ${mintDevToken({ sub: `bench-${i}`, role: "editor" })}`,
  );
  let next = 0;
  const cases: [string, () => Promise<unknown>][] = [
    ["empty async call", async () => undefined],
    [
      "a token seen for the first time (ES256 signature check)",
      () => authenticate(bearerToken(fresh[next++ % fresh.length]), "editor"),
    ],
    ["the same token again (verified-token memory)", () => authenticate(bearerToken(header), "editor")],
  ];
  const rows: string[] = ["| case | calls | µs per call |", "| --- | ---: | ---: |"];
  for (const [name, run] of cases) {
    for (let i = 0; i < 500; i += 1) await run();
    const started = performance.now();
    for (let i = 0; i < calls; i += 1) await run();
    rows.push(`| ${name} | ${calls} | ${(((performance.now() - started) / calls) * 1000).toFixed(1)} |`);
  }
  console.log(rows.join("\n"));
}

void main();
