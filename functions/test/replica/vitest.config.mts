// `npm run test:replica` only (scripts/test-replica.ts starts a primary and a streaming replica and
// passes DATABASE_URL and DATABASE_READ_URL): read-your-writes under lag.
import { topologyVitestConfig } from "../support/topology-vitest";

export default topologyVitestConfig("functions/test/replica/**/*.replica.ts");
