import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { signRequest } from "../../src/platform/lambda-invoke";

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === "string"
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** The hash constructor smithy's signer takes, over node:crypto (HMAC when given a secret). */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

describe("SigV4 signing of the Invoke API call", () => {
  it("when a request is signed, then the Authorization header equals the AWS SDK's signer's", async () => {
    const credentials = {
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      sessionToken: "token/+=",
    };
    const now = new Date("2026-11-23T12:34:56Z");
    const url = new URL(
      "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/million-tasks-prod-broadcast/invocations",
    );
    const body = "{}";
    const ours = signRequest(
      {
        method: "POST",
        url,
        headers: { "content-type": "application/json", "x-amz-invocation-type": "Event" },
        body,
      },
      credentials,
      "eu-west-1",
      "lambda",
      now,
    );
    const signer = new SignatureV4({ credentials, region: "eu-west-1", service: "lambda", sha256: Sha256 });
    const theirs = await signer.sign(
      {
        method: "POST",
        protocol: "https:",
        hostname: url.hostname,
        path: url.pathname,
        query: {},
        headers: {
          host: url.host,
          "content-type": "application/json",
          "x-amz-invocation-type": "Event",
          "x-amz-content-sha256": ours["x-amz-content-sha256"] as string,
        },
        body,
      },
      { signingDate: now },
    );
    expect(ours.authorization).toBe(theirs.headers.authorization);
  });
});
