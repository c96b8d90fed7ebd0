/** Every operator route the admin dashboard calls, typed; pages call the API only through here. */
import type { ApiClient } from "./api-client.ts";
import type { AdminUser, Alert, AlertRule, ClusterHealth, ConfigEntry, ConfigVersion, Delivery, DriftReport, EtlIssue, EtlRun, EtlSource, Paged, Rollout, Silence, Topology, Transition } from "./admin-types.ts";

const API = "/api/v1";
const seg = encodeURIComponent;

export function adminApi(client: ApiClient) {
	return {
		health: {
			cluster: (signal?: AbortSignal) => client.get<ClusterHealth>(`${API}/health/cluster`, {}, signal),
			transitions: (signal?: AbortSignal) => client.get<Paged<Transition> | { transitions: Transition[] } | Transition[]>(`${API}/health/transitions`, {}, signal)
		},
		alerts: {
			list: (state: "active" | "resolved" | undefined, signal?: AbortSignal) => client.get<Paged<Alert>>(`${API}/alerts`, { state, limit: 100 }, signal),
			acknowledge: (id: string) => client.send<Alert>("POST", `${API}/alerts/${seg(id)}/acknowledge`, {}),
			silences: (signal?: AbortSignal) => client.get<{ objects: Silence[] }>(`${API}/alerts/silences`, {}, signal),
			silence: (body: { rule?: AlertRule; subject?: string; reason: string; minutes: number }) => client.send<Silence>("POST", `${API}/alerts/silences`, body),
			unsilence: (id: string) => client.send<unknown>("DELETE", `${API}/alerts/silences/${seg(id)}`)
		},
		etl: {
			runs: (signal?: AbortSignal) => client.get<{ runs: EtlRun[] }>(`${API}/etl/runs`, { limit: 50 }, signal),
			start: (source: EtlSource, url: string | undefined) => client.send<EtlRun>("POST", `${API}/etl/runs`, url ? { source, url } : { source }),
			cancel: (id: string) => client.send<EtlRun>("POST", `${API}/etl/runs/${seg(id)}/cancel`, {}),
			/** The open data-quality issues, each with the raw document it was found in. */
			issues: (signal?: AbortSignal) => client.get<Paged<EtlIssue>>(`${API}/etl/issues`, { limit: 50 }, signal)
		},
		config: {
			list: (signal?: AbortSignal) => client.get<Paged<ConfigEntry>>(`${API}/config`, { limit: 500 }, signal),
			set: (key: string, value: unknown, reason: string, expectedVersion: number) => client.send<ConfigEntry>("PUT", `${API}/config/${seg(key)}`, { value, reason, expectedVersion }),
			history: (key: string, signal?: AbortSignal) => client.get<Paged<ConfigVersion>>(`${API}/config/${seg(key)}/history`, { limit: 50 }, signal),
			rollback: (key: string, version: number, reason: string) => client.send<ConfigEntry>("POST", `${API}/config/${seg(key)}/rollback`, { version, reason })
		},
		users: {
			list: (signal?: AbortSignal) => client.get<{ users: AdminUser[] }>(`${API}/auth/users`, {}, signal),
			setRole: (id: string, role: AdminUser["role"]) => client.send<AdminUser>("PUT", `${API}/auth/users/${seg(id)}/role`, { role }),
			disable: (id: string) => client.send<AdminUser>("POST", `${API}/auth/users/${seg(id)}/disable`, {})
		},
		notifications: {
			deliveries: (status: string | undefined, signal?: AbortSignal) => client.get<Paged<Delivery> & { byStatus?: Record<string, number> }>(`${API}/notifications/deliveries`, { status, limit: 100 }, signal)
		},
		deployment: {
			topology: (signal?: AbortSignal) => client.get<Topology>(`${API}/deployment/topology`, {}, signal),
			drift: (signal?: AbortSignal) => client.get<DriftReport>(`${API}/deployment/drift`, {}, signal),
			rollouts: (signal?: AbortSignal) => client.get<Paged<Rollout>>(`${API}/deployment/rollouts`, { limit: 10 }, signal),
			rollout: (id: string, signal?: AbortSignal) => client.get<Rollout>(`${API}/deployment/rollouts/${seg(id)}`, {}, signal),
			startRollout: (service: string, reason: string) => client.send<Rollout>("POST", `${API}/deployment/rollouts`, { service, reason })
		}
	};
}

export type AdminApi = ReturnType<typeof adminApi>;
