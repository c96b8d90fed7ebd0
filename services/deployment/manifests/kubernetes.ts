/**
 * Kubernetes manifests from a topology: per service a Deployment (SERVICES=<name>, readiness on
 * /readyz and liveness on /healthz, a preStop pause so endpoints drop the pod before SIGTERM starts
 * the drain, resource requests) and, with more than one replica, a PodDisruptionBudget that keeps
 * one up during voluntary evictions; for the gateway a Service and an Ingress (SSE unbuffered).
 * Worker nodes have no gateway, so they serve the same probes on PROBE_PORT (platform/probe-server.ts).
 *
 * Plain objects in the shapes of the Kubernetes API; the test validates each against the API's
 * JSON schemas (kubernetes-models). NATS, PostgreSQL and Redis are the operator's: the
 * ConfigMap and Secret named here say where they are.
 */
import type { ServiceTarget } from "../deployment.contract.ts";

export const APP = "openpolicy";
export const CONFIG_MAP = "openpolicy-env";
export const SECRET = "openpolicy-secrets";
export const GATEWAY_PORT = 8000;
export const PROBE_PORT = 9000;
/** Long enough for the drain: Moleculer's stop delay, in-flight requests (tracking waits 10 s), goodbye. */
const GRACE_SECONDS = 30;
/** How long endpoints and the Ingress take to stop routing to a terminating pod, before SIGTERM. */
const PRESTOP_SECONDS = 5;

export interface KubernetesOptions {
	image: string;
	host: string;
	tlsSecret: string;
	kubernetesNamespace: string;
}

export const DEFAULT_KUBERNETES_OPTIONS: KubernetesOptions = { image: "openpolicy-platform", host: "openpolicy.example.org", tlsSecret: "openpolicy-tls", kubernetesNamespace: "openpolicy" };

export type Manifest = Record<string, unknown> & { apiVersion: string; kind: string; metadata: Record<string, unknown> & { name: string } };

function labels(service: string): Record<string, string> {
	return { "app.kubernetes.io/name": APP, "app.kubernetes.io/component": service };
}

function deployment(service: string, target: ServiceTarget, version: string, o: KubernetesOptions): Manifest {
	const gateway = service === "gateway";
	const port = gateway ? GATEWAY_PORT : PROBE_PORT;
	const portName = gateway ? "http" : "probes";
	const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({ httpGet: { path, port: portName }, periodSeconds, failureThreshold, timeoutSeconds: 3 });
	return {
		apiVersion: "apps/v1",
		kind: "Deployment",
		metadata: { name: `${APP}-${service}`, namespace: o.kubernetesNamespace, labels: { ...labels(service), "app.kubernetes.io/version": target.version ?? version } },
		spec: {
			replicas: target.replicas,
			selector: { matchLabels: labels(service) },
			// One at a time, never below the wanted count: the same rule as `deployment.rollout`.
			strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
			template: {
				metadata: { labels: labels(service) },
				spec: {
					terminationGracePeriodSeconds: GRACE_SECONDS,
					containers: [
						{
							name: service,
							image: `${o.image}:${target.version ?? version}`,
							env: [
								{ name: "SERVICES", value: service },
								{ name: "NODE_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
								{ name: "APP_VERSION", value: target.version ?? version },
								gateway ? { name: "PORT", value: String(GATEWAY_PORT) } : { name: "PROBE_PORT", value: String(PROBE_PORT) },
								...(gateway ? [{ name: "TRUST_PROXY", value: "1" }] : [])
							],
							envFrom: [{ configMapRef: { name: CONFIG_MAP } }, { secretRef: { name: SECRET } }],
							ports: [{ name: portName, containerPort: port }],
							readinessProbe: probe("/readyz", 5, 2),
							livenessProbe: probe("/healthz", 10, 3),
							startupProbe: probe("/healthz", 2, 30),
							lifecycle: { preStop: { exec: { command: ["sleep", String(PRESTOP_SECONDS)] } } },
							resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "768Mi" } }
						}
					]
				}
			}
		}
	};
}

function disruptionBudget(service: string, o: KubernetesOptions): Manifest {
	return {
		apiVersion: "policy/v1",
		kind: "PodDisruptionBudget",
		metadata: { name: `${APP}-${service}`, namespace: o.kubernetesNamespace, labels: labels(service) },
		spec: { minAvailable: 1, selector: { matchLabels: labels(service) } }
	};
}

function gatewayService(o: KubernetesOptions): Manifest {
	return {
		apiVersion: "v1",
		kind: "Service",
		metadata: { name: `${APP}-gateway`, namespace: o.kubernetesNamespace, labels: labels("gateway") },
		spec: { selector: labels("gateway"), ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] }
	};
}

function ingress(o: KubernetesOptions): Manifest {
	return {
		apiVersion: "networking.k8s.io/v1",
		kind: "Ingress",
		metadata: {
			name: `${APP}-gateway`,
			namespace: o.kubernetesNamespace,
			labels: labels("gateway"),
			// ingress-nginx: the event stream must not be buffered, and may stay open for an hour.
			annotations: { "nginx.ingress.kubernetes.io/proxy-buffering": "off", "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600" }
		},
		spec: {
			tls: [{ hosts: [o.host], secretName: o.tlsSecret }],
			rules: [{ host: o.host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: `${APP}-gateway`, port: { name: "http" } } } }] } }]
		}
	};
}

function configMap(o: KubernetesOptions): Manifest {
	return {
		apiVersion: "v1",
		kind: "ConfigMap",
		metadata: { name: CONFIG_MAP, namespace: o.kubernetesNamespace, labels: { "app.kubernetes.io/name": APP } },
		// Where the operator's NATS and Redis are; DATABASE_URL and JWT_SECRET go in the Secret.
		data: { NODE_ENV: "production", TRANSPORTER: "nats://nats:4222", NAMESPACE: "openpolicy", REDIS_URL: "redis://redis:6379" }
	};
}

export function kubernetesManifests(services: Record<string, ServiceTarget>, version: string, o: KubernetesOptions = DEFAULT_KUBERNETES_OPTIONS): Manifest[] {
	const out: Manifest[] = [configMap(o)];
	for (const [service, target] of Object.entries(services)) {
		out.push(deployment(service, target, version, o));
		if (target.replicas > 1) out.push(disruptionBudget(service, o));
	}
	if (services.gateway) out.push(gatewayService(o), ingress(o));
	return out;
}
