// What every page's island does first: signs in (the development session, see lib/session.ts), puts
// the user menu in the header, then shows `children` as that user. Switching users remounts them
// (keyed by the user), so their requests and WebSocket carry the new token from the start and what
// the role may do is decided once.
import { Fragment, type ReactNode, useEffect, useState } from "react";
import { createPortal } from "react-dom";
import { loadSession, useSession } from "../lib/session";
import { UserMenu } from "./UserMenu";

export function SignedIn({ children }: { children: () => ReactNode }) {
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
      <Fragment key={current.id}>{children()}</Fragment>
    </>
  );
}
