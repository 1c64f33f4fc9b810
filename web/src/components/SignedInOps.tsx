// The operations page's island: signs in like the grid (lib/session.ts), then shows the figures as
// that user; switching users remounts the dashboard so its requests carry the new token.
import { useEffect, useState } from "react";
import { createPortal } from "react-dom";
import { loadSession, useSession } from "../lib/session";
import { OpsDashboard } from "./OpsDashboard";
import { UserMenu } from "./UserMenu";

export function SignedInOps() {
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
      <OpsDashboard key={current.id} />
    </>
  );
}
