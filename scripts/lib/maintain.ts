// One run of the maintain function through the Lambda Invoke API, as its `rate(1 minute)` schedule
// runs it (serverless-offline fires that schedule too). The benchmark runs it once before measuring,
// so every run starts from the steady state a deployment keeps: fences resampled, tables vacuumed.
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { controlClientContext } from "../../functions/src/platform/control-plane";
import { controlSecret } from "./dev-keys";

export const MAINTAIN_FUNCTION = "million-tasks-dev-maintain";

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
    new InvokeCommand({
      FunctionName: MAINTAIN_FUNCTION,
      Payload: JSON.stringify(input),
      ClientContext: controlClientContext(controlSecret()),
    }),
  );
  const payload = response.Payload ? Buffer.from(response.Payload).toString("utf8") : "null";
  if (response.FunctionError) throw new Error(`maintain failed: ${payload}`);
  return JSON.parse(payload);
}
