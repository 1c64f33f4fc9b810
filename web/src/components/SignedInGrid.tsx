// The page's island: signs in first (the development session, see lib/session.ts), then shows the
// grid as that user. Switching users remounts the grid, so its requests and its WebSocket carry the
// new token from the start and what the role may do is decided once.
import { useEffect, useState } from "react";
import { createPortal } from "react-dom";
import { loadSession, useSession } from "../lib/session";
import { TaskGrid } from "./TaskGrid";
import { UserMenu } from "./UserMenu";

export function SignedInGrid() {
  const [loaded, setLoaded] = useState(false);
  const { current } = useSession();
  useEffect(() => {
    void loadSession().then(() => setLoaded(true));
  }, []);
  const slot = typeof document === "undefined" ? null : document.getElementById("user-menu");
  const menu = slot ? createPortal(<UserMenu />, slot) : <UserMenu />;
  if (!loaded) return <div className="panel">Signing in…</div>;
  if (!current) {
    return (
      <>
        {menu}
        <div className="panel" role="alert">
          Not signed in. This site has no development session; sign in through your identity provider.
        </div>
      </>
    );
  }
  return (
    <>
      {menu}
      <TaskGrid key={current.id} />
    </>
  );
}
