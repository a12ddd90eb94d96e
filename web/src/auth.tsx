import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api } from "./api";

export type Me = { kind: "user" | "token"; id: string; name: string; role: "admin" | "viewer" };

type AuthState = { me: Me | null | undefined; signIn(email: string, password: string): Promise<void>; signOut(): Promise<void> };

const AuthContext = createContext<AuthState | null>(null);

/** Knows who is signed in (undefined while asking, null when nobody) and signs in and out. */
export function AuthProvider(props: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const refresh = useCallback(async () => {
    try {
      setMe(await api<Me>("/auth/me"));
    } catch {
      setMe(null);
    }
  }, []);
  useEffect(() => {
    void refresh();
    const onSignedOut = () => setMe(null);
    window.addEventListener("pendulum:signed-out", onSignedOut);
    return () => window.removeEventListener("pendulum:signed-out", onSignedOut);
  }, [refresh]);
  const signIn = useCallback(
    async (email: string, password: string) => {
      await api("/auth/login", { body: { email, password } });
      await refresh();
    },
    [refresh],
  );
  const signOut = useCallback(async () => {
    await api("/auth/logout", { method: "POST", body: {} }).catch(() => undefined);
    setMe(null);
  }, []);
  return <AuthContext.Provider value={{ me, signIn, signOut }}>{props.children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth outside AuthProvider");
  return state;
}

/** True when the signed-in user may change settings (viewers only read). */
export function useCanEdit(): boolean {
  return useAuth().me?.role === "admin";
}
