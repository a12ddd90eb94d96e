import { useEffect } from "react";
import { useAuth } from "./auth";
import { Loading, PageHeader } from "./components/common";
import { matchPath, useLocation } from "./router";
import { SignIn } from "./screens/sign-in";
import { ROUTES } from "./screens/routes";
import { Shell } from "./shell";

/** Picks the screen for the current path; signs in first. */
export function App() {
  const { me } = useAuth();
  const { pathname } = useLocation();
  const found = findRoute(pathname);
  const title = found?.route.nav?.label;
  useEffect(() => {
    document.title = title ? `${title} · Pendulum` : "Pendulum";
  }, [title]);
  if (me === undefined) return <Loading label="Starting…" />;
  if (me === null) return <SignIn />;
  if (!found || (found.route.adminOnly && me.role !== "admin")) {
    return (
      <Shell>
        <PageHeader title="Not found" description={`There is no screen at ${pathname}.`} />
      </Shell>
    );
  }
  const Screen = found.route.component;
  return (
    <Shell>
      <Screen key={pathname} params={found.params} />
    </Shell>
  );
}

function findRoute(pathname: string) {
  const clean = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  for (const route of ROUTES) {
    const params = matchPath(route.path, clean);
    if (params) return { route, params };
  }
  return undefined;
}
