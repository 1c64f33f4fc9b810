// The operations page's island: the figures as the signed-in user (SignedIn.tsx); the dashboard
// itself says when the role may not see them.
import { OpsDashboard } from "./OpsDashboard";
import { SignedIn } from "./SignedIn";

export function SignedInOps() {
  return <SignedIn>{() => <OpsDashboard />}</SignedIn>;
}
