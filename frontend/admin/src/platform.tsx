/** The dashboard's one API client, session and typed routes (public and operator), handed to pages through context. */
import { type ReactNode, createContext, useContext, useSyncExternalStore } from "react";
import { adminApi, type AdminApi } from "@openpolicy/frontend-shared/admin-api.ts";
import { createApiClient } from "@openpolicy/frontend-shared/api-client.ts";
import { initialLang, type Lang } from "@openpolicy/frontend-shared/i18n.tsx";
import { publicApi, type PublicApi } from "@openpolicy/frontend-shared/public-api.ts";
import { createSession, type Session, type SessionState } from "@openpolicy/frontend-shared/session.ts";

export interface Platform {
	api: PublicApi;
	admin: AdminApi;
	session: Session;
	setLanguage(lang: Lang): void;
}

/** Roles the dashboard is for; the API refuses the others whatever the app shows. */
export const STAFF_ROLES = ["operator", "admin"];

export function createPlatform(): Platform {
	let language: Lang = initialLang();
	const plain = publicApi(createApiClient({ language: () => language }));
	// Its own storage key: signing in to the public app does not sign in here, nor the reverse.
	const session = createSession("openpolicy.admin.session", () => (refreshToken) => plain.auth.refresh(refreshToken));
	const client = createApiClient({ language: () => language, tokens: session });
	return { api: publicApi(client), admin: adminApi(client), session, setLanguage: (lang) => (language = lang) };
}

const PlatformContext = createContext<Platform | undefined>(undefined);

export function PlatformProvider({ platform, children }: { platform: Platform; children: ReactNode }) {
	return <PlatformContext.Provider value={platform}>{children}</PlatformContext.Provider>;
}

export function usePlatform(): Platform {
	const platform = useContext(PlatformContext);
	if (!platform) throw new Error("usePlatform outside PlatformProvider");
	return platform;
}

export function useSessionState(): SessionState | undefined {
	const { session } = usePlatform();
	return useSyncExternalStore(session.subscribe, session.current);
}

export function useIsAdmin(): boolean {
	return useSessionState()?.user.role === "admin";
}
