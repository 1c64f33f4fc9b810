// The grid page's island: the grid as the signed-in user (SignedIn.tsx).
import { SignedIn } from "./SignedIn";
import { TaskGrid } from "./TaskGrid";

export function SignedInGrid() {
  return <SignedIn>{() => <TaskGrid />}</SignedIn>;
}
