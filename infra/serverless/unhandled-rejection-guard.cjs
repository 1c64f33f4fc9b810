// Keeps serverless-offline alive when a function invoked with InvocationType "Event" throws.
// Offline runs such an invocation without awaiting it; with no 'unhandledRejection' listener, Node
// turns the rejection into an uncaught exception and Framework v3 exits the whole process, taking
// every other function down with it. Real Lambda reports the failure (retries, then a DLQ or
// on-failure destination); here it is logged as one JSON line. serverless.yml's local plugin
// installs this for `serverless offline`; it can also be loaded with NODE_OPTIONS=--require=<path>.
"use strict";

const INSTALLED = Symbol.for("million-tasks.unhandled-rejection-guard");

if (!process[INSTALLED]) {
  process[INSTALLED] = true;
  process.on("unhandledRejection", (reason) => {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    process.stderr.write(
      `${JSON.stringify({ level: "error", msg: "asynchronous invocation failed", error: error.stack ?? error.message })}\n`,
    );
  });
}
