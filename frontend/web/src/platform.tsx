/** The app's one API client, session and typed routes, handed to pages through context. */
import { type ReactNode, createContext, useContext, useSyncExternalStore } from "react";
import { createApiClient } from "@openpolicy/frontend-shared/api-client.ts";
import { publicApi, type PublicApi } from "@openpolicy/frontend-shared/public-api.ts";
import { createSession, type Session, type SessionState } from "@openpolicy/frontend-shared/session.ts";
import { initialLang, type Lang } from "@openpolicy/frontend-shared/i18n.tsx";

export interface Platform {
	api: PublicApi;
	session: Session;
	/** Kept in step with the language switch, for the Accept-Language the client sends. */
	setLanguage(lang: Lang): void;
}

export function createPlatform(): Platform {
	let language: Lang = initialLang();
	// The refresh call goes through a client without tokens, so it cannot recurse into a refresh.
	const plain = publicApi(createApiClient({ language: () => language }));
	const session = createSession("openpolicy.session", () => (refreshToken) => plain.auth.refresh(refreshToken));
	const api = publicApi(createApiClient({ language: () => language, tokens: session }));
	return { api, session, setLanguage: (lang) => (language = lang) };
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

export function useApi(): PublicApi {
	return usePlatform().api;
}

export function useSessionState(): SessionState | undefined {
	const { session } = usePlatform();
	return useSyncExternalStore(session.subscribe, session.current);
}
