// A minimal stand-in for the AWS Lambda Node.js runtime, run in a fresh `node` whose working
// directory is an unzipped artifact (the task root) and whose environment holds no NODE_PATH.
// Like the real runtime it requires `$LAMBDA_TASK_ROOT/<file>.js` named by `_HANDLER`, calls the
// export with (event, context) once per event, and never exits between invocations on its own.
// Reads a JSON array of events on stdin; writes one JSON line per invocation, then exits.
"use strict";
const path = require("node:path");
const { randomUUID } = require("node:crypto");

function resolvesFromTaskRoot(name, taskRoot) {
  try {
    require.resolve(name, { paths: [taskRoot] });
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  const setting = process.env._HANDLER;
  const dot = setting.lastIndexOf(".");
  const file = path.resolve(taskRoot, `${setting.slice(0, dot)}.js`);
  const exportName = setting.slice(dot + 1);
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const events = JSON.parse(Buffer.concat(chunks).toString("utf8"));

  const write = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
  // Proof that the bundle stands alone: none of its dependencies can be found outside it.
  write({
    type: "init",
    node: process.versions.node,
    cwd: process.cwd(),
    nodePath: process.env.NODE_PATH ?? null,
    dependenciesVisible: ["pg", "ioredis", "zod", "@middy/core"].filter((name) =>
      resolvesFromTaskRoot(name, taskRoot),
    ),
  });
  const started = performance.now();
  const handler = require(file)[exportName];
  if (typeof handler !== "function") throw new Error(`${setting} does not export a function`);
  write({ type: "loaded", ms: Math.round(performance.now() - started) });

  for (const event of events) {
    const deadline = Date.now() + Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT ?? 10) * 1_000;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
      logStreamName: "local",
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    try {
      const result = await handler(event, context);
      write({ type: "result", result });
    } catch (error) {
      write({
        type: "error",
        errorType: error?.name ?? "Error",
        errorMessage: String(error?.message ?? error),
        stack: String(error?.stack ?? ""),
      });
    }
  }
}

main().then(
  () => process.stdout.write("", () => process.exit(0)),
  (error) => {
    process.stdout.write(`${JSON.stringify({ type: "fatal", error: String(error?.stack ?? error) })}\n`, () =>
      process.exit(1),
    );
  },
);
