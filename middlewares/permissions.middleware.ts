/**
 * The one place permissions are enforced (kantab's pattern): every action may declare
 * `permissions: [...]` (names from access/roles.ts, `"public"` for anyone), and this
 * middleware checks them on the node that runs the action, whoever called it.
 *
 * A call carries a principal in `ctx.meta.principal` when it began at the gateway (which sets one on
 * every request, anonymous included). Moleculer copies `ctx.meta` into every nested call, so a
 * service that calls another on a user's behalf is checked against that user too: no internal call
 * escapes. A call with no principal at all is the platform's own work (schedules, event handlers,
 * the REPL) and runs unchecked; that is a trust in the cluster, which only its nodes can join.
 *
 * A published action that declares nothing is refused to every principal (the gateway answers 404:
 * it is not a route), and the start-up check logs it; an unknown permission name stops the service
 * from starting, because a typo would otherwise deny everyone, or look fine to an admin.
 */
import type { Context, Middleware, Service, ServiceBroker } from "moleculer";
import { Errors } from "moleculer";
import { principalOf } from "../access/principal.ts";
import { type Principal, declarationProblems, isAllowed } from "../access/roles.ts";

declare module "moleculer" {
	interface ActionSchema {
		/** What a caller must hold (all of it): permission names from roles.ts, or "public". */
		permissions?: readonly string[];
	}
}

/** What an action schema may carry besides Moleculer's own fields. */
export interface PermissionDeclaration {
	permissions?: readonly string[];
	visibility?: string;
	/** Present on action definitions as middlewares see them. */
	service?: { name?: string };
}

/**
 * The caller learns which permissions the route needs, never which internal action it reached:
 * action names map the cluster's insides for whoever probes it (issue 9).
 */
export class PermissionDeniedError extends Errors.MoleculerClientError {
	constructor(principal: Principal, required: readonly string[]) {
		const anonymous = principal.kind === "anonymous";
		super(
			anonymous ? "Sign in or present an API key to use this route" : "Your role or key's scopes do not allow this",
			anonymous ? 401 : 403,
			anonymous ? "UNAUTHORIZED" : "FORBIDDEN",
			{ required }
		);
		this.name = "PermissionDeniedError";
	}
}

/** Raised for a published action without a declaration: to a caller it is simply no route. */
export class UndeclaredActionError extends Errors.MoleculerClientError {
	constructor() {
		super("Not found", 404, "NOT_FOUND");
		this.name = "UndeclaredActionError";
	}
}

/**
 * Moleculer and moleculer-web treat an action without `visibility` as published: so must the check.
 * Moleculer's internal `$node` service is the exception: it declares no visibility, has no routes,
 * and is the broker's own plumbing.
 */
export function isPublished(declaration: { visibility?: string; service?: { name?: string } }, serviceName = declaration.service?.name): boolean {
	if (serviceName?.startsWith("$")) return false;
	return declaration.visibility === undefined || declaration.visibility === "published";
}

export interface ActionDeclarationProblem {
	action: string;
	problems: string[];
}

/** Published actions with a missing or faulty declaration, across the live registry (every node). */
export function publishedDeclarationProblems(broker: ServiceBroker): ActionDeclarationProblem[] {
	const out: ActionDeclarationProblem[] = [];
	for (const item of broker.registry.getActionList({ onlyAvailable: false, skipInternal: true, withEndpoints: false })) {
		const action = item.action as (PermissionDeclaration & { name?: string }) | undefined;
		if (!action || !isPublished(action)) continue;
		const problems = declarationProblems(action.permissions);
		if (problems.length > 0) out.push({ action: item.name, problems });
	}
	return out;
}

function checkService(service: Service): void {
	const actions = (service.schema.actions ?? {}) as Record<string, unknown>;
	const undeclared: string[] = [];
	for (const [name, def] of Object.entries(actions)) {
		if (typeof def !== "object" || def === null) continue;
		const declaration = def as PermissionDeclaration;
		if (declaration.permissions === undefined) {
			if (isPublished(declaration, service.name)) undeclared.push(`${service.fullName}.${name}`);
			continue;
		}
		const problems = declarationProblems(declaration.permissions);
		if (problems.length > 0) throw new Error(`Action ${service.fullName}.${name}: ${problems.join("; ")}`);
	}
	if (undeclared.length > 0) {
		service.logger.error(`Published without permissions, so unreachable from the gateway: ${undeclared.join(", ")}`);
	}
}

export function PermissionsMiddleware(): Middleware {
	return {
		name: "Permissions",

		serviceStarting(service: Service): Promise<void> {
			checkService(service);
			return Promise.resolve();
		},

		localAction(next, action) {
			const declaration = action as PermissionDeclaration & { name?: string };
			const required = declaration.permissions;
			const published = isPublished(declaration);
			// Undeclared internal actions are plumbing that no principal can reach from outside.
			if (required === undefined && !published) return next;
			return function checkPermissions(this: Service, ctx: Context) {
				const principal = principalOf(ctx.meta);
				if (principal === undefined) return next.call(this, ctx);
				if (required === undefined) return Promise.reject(new UndeclaredActionError());
				if (!isAllowed(principal, required)) return Promise.reject(new PermissionDeniedError(principal, required));
				return next.call(this, ctx);
			} as typeof next;
		}
	};
}
