// `npm run test:cluster` only (scripts/test-cluster.ts starts the cluster and passes REDIS_URL and
// REDIS_CLUSTER_PORTS): a primary killed under load.
import { topologyVitestConfig } from "../support/topology-vitest";

export default topologyVitestConfig("functions/test/cluster/**/*.cluster.ts");
