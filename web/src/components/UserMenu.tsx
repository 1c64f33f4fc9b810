// The development user menu: who the site is signed in as, and a switch among the demo users
// (viewer, editor, admin) that /dev-session.json offers. Only a development site has that file.
import { switchUser, useSession } from "../lib/session";

export function UserMenu() {
  const { users, current } = useSession();
  if (!current) return <span className="user-menu signed-out">Not signed in</span>;
  return (
    <label className="user-menu" title="Development sign-in: demo users signed with the local key">
      <span className="user-menu-label">Signed in as</span>
      <select
        aria-label="Signed in as"
        value={current.id}
        onChange={(event) => switchUser(event.currentTarget.value)}
        data-role={current.role}
      >
        {users.map((user) => (
          <option key={user.id} value={user.id}>
            {user.name} ({user.role})
          </option>
        ))}
      </select>
    </label>
  );
}
