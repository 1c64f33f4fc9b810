// seed, maintain and broadcast have no HTTP route: on AWS only IAM principals allowed to
// lambda:InvokeFunction reach them (infra/DEPLOY.md). Locally anything that can open a socket to
// serverless-offline's Invoke port could, so there they also demand the shared secret that
// `npm start` generates (.data/auth/control-secret) and the command-line tools send as the
// invocation's client context (`{ custom: { controlSecret } }`), which Lambda hands the function as
// `context.clientContext`. The Invoke port itself refuses browsers (infra/serverless/invoke-port-guard.cjs).
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "aws-lambda";
import { config } from "./config";
import { InvocationError } from "./invocation";

/** A control-plane invocation without the local secret; the Invoke API reports it as a function error. */
/** Written for the caller (InvocationError), so the Invoke API shows it instead of an opaque error. */
export class ControlPlaneDeniedError extends InvocationError {
  constructor() {
    super(
      "This function needs the local control secret (see README: control plane)",
      "ControlPlaneDeniedError",
    );
  }
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/** The client context the tools send; base64 JSON in the Invoke API's X-Amz-Client-Context header. */
export function controlClientContext(secret: string): string {
  return Buffer.from(JSON.stringify({ custom: { controlSecret: secret } })).toString("base64");
}

function presentedSecret(context: Context | undefined): unknown {
  const clientContext = context?.clientContext as { custom?: { controlSecret?: unknown } } | undefined;
  return clientContext?.custom?.controlSecret;
}

/** EventBridge's scheduled event, which serverless-offline fires in-process (no Invoke port). */
export function isScheduledEvent(event: unknown): boolean {
  const fields = event as { source?: unknown; "detail-type"?: unknown } | null;
  return fields?.source === "aws.events" && fields["detail-type"] === "Scheduled Event";
}

/** Throws unless the invocation carries the configured secret; with none configured (AWS), IAM decides. */
export function assertControlCaller(context: Context | undefined, secret = config.CONTROL_SECRET): void {
  if (!secret) return;
  const presented = presentedSecret(context);
  if (typeof presented === "string" && timingSafeEqual(digest(presented), digest(secret))) return;
  throw new ControlPlaneDeniedError();
}
