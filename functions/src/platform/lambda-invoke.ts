// The Lambda Invoke API in one signed fetch. The write path needs exactly one call (wake the
// broadcast function); @aws-sdk/client-lambda would add ~450 KB to every writing function's bundle
// (measured with esbuild: createTask 970 KB with it), past the 600 KB the deploy test allows.
// SigV4 per https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html; the unit
// test checks it against @smithy/signature-v4.
import { createHash, createHmac } from "node:crypto";
import { config } from "./config";
import { controlClientContext } from "./control-plane";

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

/** SigV4 headers for a request with a body; `now` is injectable for tests. */
export function signRequest(
  request: { method: string; url: URL; headers: Record<string, string>; body: string },
  credentials: SigningCredentials,
  region: string,
  service: string,
  now = new Date(),
): Record<string, string> {
  const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
    ),
    host: request.url.host,
    "x-amz-date": amzDate,
    "x-amz-content-sha256": sha256(request.body),
    ...(credentials.sessionToken ? { "x-amz-security-token": credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((name) => `${name}:${String(headers[name]).trim()}\n`).join("");
  const signedHeaders = names.join(";");
  const path = request.url.pathname
    .split("/")
    .map((segment) => encodeURIComponent(decodeURIComponent(segment)))
    .join("/");
  const canonical = [
    request.method,
    // Services other than S3 sign the path encoded twice.
    path
      .split("/")
      .map((segment) => encodeURIComponent(segment))
      .join("/"),
    [...request.url.searchParams]
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .sort()
      .join("&"),
    canonicalHeaders,
    signedHeaders,
    headers["x-amz-content-sha256"],
  ].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  const key = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), service),
    "aws4_request",
  );
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

/** Invokes a function; `Event` returns once queued (202), `RequestResponse` after it ran. */
export async function invokeFunction(
  functionName: string,
  payload: string,
  invocationType: "Event" | "RequestResponse",
): Promise<number> {
  const region = config.AWS_REGION;
  const endpoint = config.LAMBDA_ENDPOINT ?? `https://lambda.${region}.amazonaws.com`;
  const url = new URL(`/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, endpoint);
  // Locally (an endpoint is configured) serverless-offline checks no signature.
  const credentials: SigningCredentials =
    config.LAMBDA_ENDPOINT || !config.AWS_ACCESS_KEY_ID || !config.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: "offline", secretAccessKey: "offline" }
      : {
          accessKeyId: config.AWS_ACCESS_KEY_ID,
          secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
          sessionToken: config.AWS_SESSION_TOKEN,
        };
  const headers = signRequest(
    {
      method: "POST",
      url,
      headers: {
        "content-type": "application/json",
        "x-amz-invocation-type": invocationType,
        // Locally the control-plane functions demand the shared secret (control-plane.ts).
        ...(config.CONTROL_SECRET
          ? { "x-amz-client-context": controlClientContext(config.CONTROL_SECRET) }
          : {}),
      },
      body: payload,
    },
    credentials,
    region,
    "lambda",
  );
  const { host: _host, ...sent } = headers;
  const response = await fetch(url, {
    method: "POST",
    headers: sent,
    body: payload,
    signal: AbortSignal.timeout(invocationType === "Event" ? 2_000 : 30_000),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`invoke ${functionName}: HTTP ${response.status}`);
  return response.status;
}
