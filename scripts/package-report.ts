// npm run package: `serverless package` (one esbuild bundle per function, zipped with its source
// map) and a table of what each artifact weighs. `--out DIR` writes elsewhere than .serverless/.
import path from "node:path";
import { parseArgs } from "node:util";
import { formatReport, packageFunctions, ROOT, readArtifacts } from "./lib/lambda-package";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: "string", default: ".serverless" } } });
  const outDir = path.resolve(ROOT, values.out ?? ".serverless");
  const started = performance.now();
  await packageFunctions(outDir);
  const artifacts = await readArtifacts(outDir);
  console.log(formatReport(artifacts));
  const total = artifacts.reduce((sum, artifact) => sum + artifact.zipBytes, 0);
  console.log(
    `\n${artifacts.length} artifacts, ${(total / 1024).toFixed(0)} KB in all, packaged in ${Math.round(performance.now() - started)} ms into ${path.relative(ROOT, outDir) || "."}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
