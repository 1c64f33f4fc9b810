// npm run -s auth-env >> .env
// Prints the development identity as .env lines for docker compose: the checkout's public key set
// (JWT_JWKS), its issuer and audience, and the control-plane secret, the same values `npm start`
// gives the functions. Tokens from `npm run token` are then accepted by the compose stack. Local use
// only: a deployment trusts its provider's JWKS_URL instead (infra/README.md).
import { devAuthEnv } from "./lib/dev-keys";

// Single quotes keep the JSON's double quotes literal for compose's .env parser (no escapes apply).
for (const [key, value] of Object.entries(devAuthEnv())) process.stdout.write(`${key}='${value}'\n`);
