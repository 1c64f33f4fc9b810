// serverless-offline does not fire `schedule` events, so locally this stands in for the
// `rate(1 minute)` schedule serverless.yml gives the maintain function: without it, expired tasks
// would never be purged and position fences never resampled, and deep jumps would slow down as
// writes accumulate. It invokes the function the way the schedule would, through the Lambda API.
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";

export const MAINTAIN_FUNCTION = "million-tasks-dev-maintain";
const EVERY_MS = 60_000;

function lambdaClient(endpoint: string): LambdaClient {
  return new LambdaClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "offline", secretAccessKey: "offline" },
    maxAttempts: 1,
  });
}

/** One maintain run; its result (purged, pending, resampled, index), or an error with its reason. */
export async function invokeMaintain(
  endpoint: string,
  input: Record<string, unknown> = {},
): Promise<unknown> {
  const response = await lambdaClient(endpoint).send(
    new InvokeCommand({ FunctionName: MAINTAIN_FUNCTION, Payload: JSON.stringify(input) }),
  );
  const payload = response.Payload ? Buffer.from(response.Payload).toString("utf8") : "null";
  if (response.FunctionError) throw new Error(`maintain failed: ${payload}`);
  return JSON.parse(payload);
}

/** Runs maintain every minute until the returned function is called. Failures are logged, not fatal. */
export function scheduleMaintain(
  endpoint: string,
  log: (msg: string, extra: Record<string, unknown>) => void,
): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      log("maintain", { result: await invokeMaintain(endpoint) });
    } catch (error) {
      log("maintain failed", { error: error instanceof Error ? error.message : String(error) });
    } finally {
      running = false;
    }
  }, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
