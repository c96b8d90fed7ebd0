/** Every route the apps call, named once with its types; pages never spell a URL themselves. */
import type { ApiClient, Query } from "./api-client.ts";
import type {
	ApiKey,
	Ballot,
	Bill,
	BillDetail,
	Figure,
	Follow,
	FollowTarget,
	Inbox,
	List,
	MfaActivation,
	MfaChallenge,
	NotificationSettings,
	NotificationSettingsChange,
	MfaEnrolment,
	OpenApiDocument,
	Party,
	Politician,
	PoliticianDetail,
	PublicUser,
	Riding,
	RidingDetail,
	SearchHit,
	Session,
	SourceStatus,
	StanceAnswer,
	TokenPair,
	VoteDetail,
	VoteSummary,
	VotingRecord
} from "./api-types.ts";

export const API = "/api/v1";

/** A signed-in user's own live stream of new inbox items (read with runAuthorizedStream). */
export const INBOX_STREAM = `${API}/notifications/stream`;

const seg = encodeURIComponent;

/** Lists may come as `{ objects }` or, from routes still settling their shape, as a bare array. */
export function objectsOf<T>(answer: List<T> | T[]): T[] {
	return Array.isArray(answer) ? answer : answer.objects;
}

export function publicApi(client: ApiClient) {
	return {
		bills: (query: Query = {}, signal?: AbortSignal) => client.get<List<Bill>>(`${API}/bills`, query, signal),
		bill: (session: string, number: string, signal?: AbortSignal) => client.get<BillDetail>(`${API}/bills/${seg(session)}/${seg(number)}`, {}, signal),
		politicians: (query: Query = {}, signal?: AbortSignal) => client.get<List<Politician>>(`${API}/politicians`, query, signal),
		politician: (slug: string, signal?: AbortSignal) => client.get<PoliticianDetail>(`${API}/politicians/${seg(slug)}`, {}, signal),
		record: (slug: string, signal?: AbortSignal) => client.get<VotingRecord>(`${API}/politicians/${seg(slug)}/record`, {}, signal),
		votes: (query: Query = {}, signal?: AbortSignal) => client.get<List<VoteSummary>>(`${API}/votes`, query, signal),
		vote: (session: string, number: string, signal?: AbortSignal) => client.get<VoteDetail>(`${API}/votes/${seg(session)}/${seg(number)}`, {}, signal),
		ballots: (query: Query, signal?: AbortSignal) => client.get<List<Ballot>>(`${API}/ballots`, query, signal),
		parties: (signal?: AbortSignal) => client.get<List<Party>>(`${API}/parties`, { limit: 100 }, signal),
		ridings: (query: Query = {}, signal?: AbortSignal) => client.get<List<Riding>>(`${API}/ridings`, query, signal),
		riding: (ocdId: string, signal?: AbortSignal) => client.get<RidingDetail>(`${API}/ridings/${seg(ocdId)}`, {}, signal),
		sessions: (signal?: AbortSignal) => client.get<List<Session>>(`${API}/sessions`, { limit: 100 }, signal),
		search: (query: Query, signal?: AbortSignal) => client.get<List<SearchHit>>(`${API}/search`, query, signal),
		sources: (signal?: AbortSignal) => client.get<{ objects: SourceStatus[] }>(`${API}/sources`, {}, signal),
		openapi: (signal?: AbortSignal) => client.get<OpenApiDocument>(`${API}/openapi.json`, {}, signal),

		charts: {
			vote: (session: string, number: string | number, signal?: AbortSignal) => client.get<Figure>(`${API}/charts/votes/${seg(session)}/${seg(String(number))}`, {}, signal),
			agreement: (slug: string, signal?: AbortSignal) => client.get<Figure>(`${API}/charts/politicians/${seg(slug)}/agreement`, {}, signal),
			billStages: (session: string, signal?: AbortSignal) => client.get<Figure>(`${API}/charts/bills/stages`, { session }, signal),
			activity: (signal?: AbortSignal) => client.get<Figure>(`${API}/charts/activity`, {}, signal)
		},

		me: {
			follows: (signal?: AbortSignal) => client.get<List<Follow> | Follow[]>(`${API}/me/follows`, { limit: 500 }, signal),
			follow: (target: FollowTarget) => client.send<Follow>("POST", `${API}/me/follows`, target),
			unfollow: (id: string) => client.send<null>("DELETE", `${API}/me/follows/${seg(id)}`),
			stance: (session: string, number: string, stance: "support" | "oppose" | null) =>
				stance === null
					? client.send<StanceAnswer>("DELETE", `${API}/bills/${seg(session)}/${seg(number)}/stance`)
					: client.send<StanceAnswer>("PUT", `${API}/bills/${seg(session)}/${seg(number)}/stance`, { stance }),
			notifications: (query: Query = {}, signal?: AbortSignal) => client.get<Inbox>(`${API}/notifications`, query, signal),
			unreadCount: (signal?: AbortSignal) => client.get<{ unread: number }>(`${API}/notifications/unread-count`, {}, signal),
			/** The given items, or every unread one when `ids` is left out. */
			markRead: (ids?: string[]) => client.send<{ marked: number; unread: number }>("POST", `${API}/notifications/read`, ids ? { ids } : {}),
			preferences: (signal?: AbortSignal) => client.get<NotificationSettings>(`${API}/notifications/preferences`, {}, signal),
			savePreferences: (change: NotificationSettingsChange) => client.send<NotificationSettings>("PUT", `${API}/notifications/preferences`, change),
			apiKeys: (signal?: AbortSignal) => client.get<ApiKey[]>(`${API}/auth/api-keys`, {}, signal),
			createApiKey: (name: string, scopes: string[]) => client.send<ApiKey & { key: string }>("POST", `${API}/auth/api-keys`, { name, scopes }),
			revokeApiKey: (id: string) => client.send<{ revoked: true }>("DELETE", `${API}/auth/api-keys/${seg(id)}`)
		},

		auth: {
			register: (email: string, password: string, displayName: string) => client.send<{ user: PublicUser }>("POST", `${API}/auth/register`, { email, password, displayName }),
			login: (email: string, password: string) => client.send<TokenPair | MfaChallenge>("POST", `${API}/auth/login`, { email, password }),
			verify: (challenge: string, code: string) => client.send<TokenPair>("POST", `${API}/auth/mfa/verify`, { challenge, code }),
			/** First sign-in of an operator or admin: the secret to put in an authenticator app. */
			enroll: (challenge: string) => client.send<MfaEnrolment>("POST", `${API}/auth/mfa/enroll`, { challenge }),
			/** The first code from the authenticator app: the recovery codes (shown once) and the session. */
			activate: (challenge: string, code: string) => client.send<MfaActivation>("POST", `${API}/auth/mfa/activate`, { challenge, code }),
			refresh: (refreshToken: string) => client.send<TokenPair>("POST", `${API}/auth/refresh`, { refreshToken }),
			logout: (refreshToken: string) => client.send<{ loggedOut: boolean }>("POST", `${API}/auth/logout`, { refreshToken }),
			me: (signal?: AbortSignal) => client.get<PublicUser>(`${API}/auth/me`, {}, signal)
		}
	};
}

export type PublicApi = ReturnType<typeof publicApi>;
