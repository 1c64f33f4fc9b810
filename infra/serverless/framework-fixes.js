// Local Serverless Framework v3 plugin (CommonJS, loaded from serverless.yml) for two gaps in the
// pinned toolchain:
// 1. Framework v3's config schema predates the nodejs24.x runtime and warns about it at every
//    command; adding the name to the schema's enum silences exactly that warning and no other.
// 2. serverless-esbuild builds into `.esbuild/` for both `offline` and `package`, and `package`
//    deletes that whole folder when it finishes: a packaging run would pull the bundles out from
//    under every serverless-offline running from the same checkout (a dev server, the test stack).
//    `package` and `deploy` therefore build in a folder of their own, which they remove after.
// 3. A function invoked asynchronously (InvocationType "Event") that throws would kill the offline
//    process; `offline` installs the guard in unhandled-rejection-guard.cjs.
class FrameworkFixes {
  constructor(serverless) {
    const runtimes = serverless.configSchemaHandler?.schema?.definitions?.awsLambdaRuntime?.enum;
    if (Array.isArray(runtimes) && !runtimes.includes("nodejs24.x")) runtimes.push("nodejs24.x");

    const command = serverless.processedInput?.commands?.[0];
    if (command === "offline") {
      require("./unhandled-rejection-guard.cjs");
      // 4. The Lambda Invoke port refuses browsers; HTTP answers stop echoing any Origin (issue 13).
      require("./invoke-port-guard.cjs");
    }

    const service = serverless.service;
    if ((command === "package" || command === "deploy") && service) {
      service.custom = service.custom ?? {};
      service.custom.esbuild = service.custom.esbuild ?? {};
      const esbuild = service.custom.esbuild;
      esbuild.outputWorkFolder = esbuild.outputWorkFolder ?? `.esbuild/${command}-${process.pid}`;
    }
  }
}

module.exports = FrameworkFixes;
