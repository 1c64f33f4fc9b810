import { buildOpenApiDocument } from "#contract/openapi";
import { httpHandler, json } from "../platform/http";

// Built once per cold start; the schemas cannot change while the function lives.
const document = JSON.stringify(buildOpenApiDocument());

/** GET /openapi.json: the API contract generated from the validating zod schemas. */
export const handler = httpHandler(async () => json(200, document), { role: "viewer" });
