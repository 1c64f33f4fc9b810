// Closes serverless-offline 13.10's local control plane to web pages, and makes its HTTP answers
// say no more than API Gateway's would. Installed by framework-fixes.js for `serverless offline`.
//
// Offline's Lambda Invoke port (:3002) has no authentication, echoes any Origin in CORS and takes
// text/plain bodies, so any page a developer opens could POST `{"count":0,"truncate":true}` to the
// seed function without a preflight (issue 13). Browsers always send `Origin` on a cross-origin
// request and on every POST, and Sec-Fetch-Site on every request to a local address; the SDKs and
// the CLI tools never do. So on that port:
//   - a request with Origin or Sec-Fetch-Site is refused (403) before routing, preflights included,
//     and no answer ever carries an access-control-* header;
//   - with CONTROL_SECRET set (npm start, the tests), an invocation must carry it in the Invoke
//     API's client context ({ custom: { controlSecret } }), as the functions check again;
//   - a function error's payload keeps errorMessage and errorType but loses the stack trace, and
//     absolute file paths in the message are elided.
// On every other offline server (HTTP API, WebSocket) answers to an Origin other than CORS_ORIGIN
// lose the access-control-* headers offline adds for any origin, and the 404 for an unknown route
// no longer lists every route.
//
// Offline builds its servers with @hapi/hapi (one copy, hoisted); its `Server` is a factory, so the
// patch goes on the prototype of the instances it returns. The contract tests prove each behaviour
// against the running stack, so a version that moves these internals fails loudly.
"use strict";

const { createHash, timingSafeEqual } = require("node:crypto");
const hapi = require("@hapi/hapi");

const INSTALLED = Symbol.for("million-tasks.invoke-port-guard");
const INVOKE_PATH = /^\/20\d\d-\d\d-\d\d\/functions\//;

const allowedOrigins = () =>
  (process.env.CORS_ORIGIN ?? "http://localhost:4321")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);

const digest = (value) => createHash("sha256").update(value).digest();

function presentedSecret(header) {
  if (typeof header !== "string") return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
    const secret = parsed?.custom?.controlSecret;
    return typeof secret === "string" ? secret : undefined;
  } catch {
    return undefined;
  }
}

function stripCors(response) {
  const headers = response?.isBoom ? response.output.headers : response?.headers;
  if (!headers) return;
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase().startsWith("access-control-")) delete headers[name];
  }
}

const refuse = (h, message) => h.response({ Message: message, Type: "User" }).code(403).takeover();

// Paths such as /home/dev/million-tasks/.esbuild/... say where and how the stack is installed.
const elidePaths = (text) => String(text).replace(/(?:file:\/\/)?(?:\/[\w.@+-]+){2,}/g, "<path>");

function guardInvokePort(server) {
  server.ext("onRequest", (request, h) => {
    const { headers } = request;
    // Not Sec-Fetch-Mode: Node's own fetch (undici, which lambda-invoke.ts uses) sends it too.
    if (headers.origin !== undefined || headers["sec-fetch-site"] !== undefined) {
      return refuse(h, "The Lambda Invoke API does not answer browsers");
    }
    const secret = process.env.CONTROL_SECRET;
    if (secret) {
      const presented = presentedSecret(headers["x-amz-client-context"]);
      if (presented === undefined || !timingSafeEqual(digest(presented), digest(secret))) {
        return refuse(h, "The Lambda Invoke API needs the local control secret (see README: control plane)");
      }
    }
    return h.continue;
  });
  server.ext("onPreResponse", (request, h) => {
    const { response } = request;
    stripCors(response);
    const source = response && !response.isBoom ? response.source : undefined;
    if (source && typeof source === "object" && !Buffer.isBuffer(source) && "trace" in source) {
      delete source.trace;
      if (typeof source.errorMessage === "string") source.errorMessage = elidePaths(source.errorMessage);
    }
    return h.continue;
  });
}

function guardHttpServer(server) {
  server.ext("onPreResponse", (request, h) => {
    const { response } = request;
    const origin = request.headers.origin;
    const allowed = allowedOrigins();
    if (origin !== undefined && !allowed.includes("*") && !allowed.includes(origin)) stripCors(response);
    const source = response && !response.isBoom ? response.source : undefined;
    if (source && typeof source === "object" && Array.isArray(source.existingRoutes)) {
      return h
        .response({ error: { code: "not_found", message: "No such route" } })
        .code(404)
        .type("application/json");
    }
    return h.continue;
  });
}

// hapi adds a route's own CORS headers while sending, after every extension point: offline gives
// the Invoke routes and its catch-all 404 `origin: ['*']`, so those settings are rewritten as the
// routes are added (none for the Invoke API, the site's origin for the rest).
function withoutOpenCors(route) {
  const cors = route?.options?.cors;
  if (!cors) return route;
  if (INVOKE_PATH.test(route.path)) return { ...route, options: { ...route.options, cors: false } };
  const origins = Array.isArray(cors.origin) ? cors.origin : [cors.origin];
  if (cors === true || origins.includes("*")) {
    const allowed = allowedOrigins();
    const corsOptions = cors === true ? {} : cors;
    return {
      ...route,
      options: { ...route.options, cors: allowed.includes("*") ? cors : { ...corsOptions, origin: allowed } },
    };
  }
  return route;
}

const prototype = Object.getPrototypeOf(hapi.server({ autoListen: false }));
if (!prototype[INSTALLED]) {
  prototype[INSTALLED] = true;
  const route = prototype.route;
  prototype.route = function routeGuarded(options) {
    return route.call(this, Array.isArray(options) ? options.map(withoutOpenCors) : withoutOpenCors(options));
  };
  const start = prototype.start;
  prototype.start = function startGuarded(...args) {
    const isInvokePort = this.table().some((route) => INVOKE_PATH.test(route.path));
    if (isInvokePort) guardInvokePort(this);
    else guardHttpServer(this);
    return start.apply(this, args);
  };
}
