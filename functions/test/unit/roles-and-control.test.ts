import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import {
  assertControlCaller,
  ControlPlaneDeniedError,
  controlClientContext,
  isScheduledEvent,
} from "../../src/platform/control-plane";
import { roleAtLeast, roleFromClaim } from "../../src/platform/roles";

const withClientContext = (header: string) =>
  ({ clientContext: JSON.parse(Buffer.from(header, "base64").toString("utf8")) }) as unknown as Context;

describe("roles", () => {
  it("when roles are compared, then viewer < editor < admin", () => {
    expect(roleAtLeast("admin", "editor")).toBe(true);
    expect(roleAtLeast("editor", "editor")).toBe(true);
    expect(roleAtLeast("viewer", "editor")).toBe(false);
    expect(roleAtLeast("editor", "admin")).toBe(false);
  });

  it("when a claim is a name or a list of group names, then the highest known role wins", () => {
    expect(roleFromClaim("editor")).toBe("editor");
    expect(roleFromClaim(["staff", "viewer", "admin"])).toBe("admin");
    expect(roleFromClaim(["staff"])).toBeUndefined();
    expect(roleFromClaim("root")).toBeUndefined();
    expect(roleFromClaim(undefined)).toBeUndefined();
  });
});

describe("the control secret", () => {
  it("when a secret is configured, then only an invocation carrying it passes", () => {
    expect(() =>
      assertControlCaller(withClientContext(controlClientContext("s3cret")), "s3cret"),
    ).not.toThrow();
    expect(() => assertControlCaller(withClientContext(controlClientContext("guess")), "s3cret")).toThrow(
      ControlPlaneDeniedError,
    );
    expect(() => assertControlCaller(undefined, "s3cret")).toThrow(ControlPlaneDeniedError);
    expect(() => assertControlCaller({} as Context, "s3cret")).toThrow(ControlPlaneDeniedError);
  });

  it("when no secret is configured (AWS: IAM decides), then the function does not ask for one", () => {
    expect(() => assertControlCaller(undefined, undefined)).not.toThrow();
  });

  it("when an event is EventBridge's scheduled event, then it is recognised, and nothing else is", () => {
    expect(isScheduledEvent({ source: "aws.events", "detail-type": "Scheduled Event" })).toBe(true);
    expect(isScheduledEvent({ source: "aws.events" })).toBe(false);
    expect(isScheduledEvent({ force: true })).toBe(false);
    expect(isScheduledEvent(null)).toBe(false);
  });
});
