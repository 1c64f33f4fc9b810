// npm run token -- --user alice --role editor [--name "Alice"] [--ttl 3600]
// Prints a development bearer token signed with the local key (.data/auth/), for curl and scripts:
//   curl -H "Authorization: Bearer $(npm run -s token -- --user alice --role editor)" localhost:3000/tasks
import { parseArgs } from "node:util";
import { isRole, ROLES } from "../functions/src/platform/roles";
import { mintDevToken } from "./lib/dev-keys";

const { values } = parseArgs({
  options: {
    user: { type: "string", default: "dev" },
    role: { type: "string", default: "editor" },
    name: { type: "string" },
    ttl: { type: "string", default: "43200" },
  },
});

const ttlSeconds = Number(values.ttl);
if (!isRole(values.role)) {
  console.error(`--role must be one of ${ROLES.join(", ")}`);
  process.exit(2);
}
if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
  console.error("--ttl must be a whole number of seconds");
  process.exit(2);
}
process.stdout.write(
  `${mintDevToken({ sub: values.user, name: values.name ?? values.user, role: values.role, ttlSeconds })}\n`,
);
