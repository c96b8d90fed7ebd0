/**
 * Moleculer's Tracing middleware, entered only by calls that will be exported.
 *
 * Why it wraps the built-in one: Moleculer decides sampling inside the span it builds, so at a 1 %
 * rate the other 99 % of calls still copy their params into tags and build and finish a span
 * (docs/decisions/0007-observability-cost.md: sampling decides only what is exported). bench/scenarios/gateway.ts measured tracing
 * at about 7 µs of CPU per gateway request. Here the decision is made first, once per trace (head
 * sampling): a call whose context has no decision yet draws one from the tracer's own sampler, the
 * decision travels to every nested and remote call in `ctx.tracing`, and only sampled calls go
 * through the built-in middleware, which builds their spans exactly as before.
 *
 * What a span carries: Moleculer copies every call's raw params into its span by default (and an
 * action may ask for its meta or response too). Here every action and event handler gets the
 * platform's tags instead: a bounded, redacted summary of the params (runtime/bounded-summary.ts),
 * never the meta (it holds the caller's principal and address) and never the response. An action
 * that declares its own `tracing.tags` function keeps it, with its result bounded the same way.
 * Issue 9: a 12 kB body nested a few thousand levels deep, copied raw into a span, ended the node.
 */
import type { Context, Middleware, ServiceBroker, Tracer } from "moleculer";
import * as moleculer from "moleculer";
import { boundedCopy } from "../runtime/bounded-summary.ts";

type Handler = (this: unknown, ctx: Context) => Promise<unknown>;
type Wrap = (this: ServiceBroker, next: Handler, def: unknown) => Handler | null | undefined;

interface TracingHooks {
	localAction?: Wrap | null;
	localEvent?: Wrap | null;
}

// Moleculer exports its built-in middlewares at run time; its typings leave them out.
const builtInTracing = (moleculer as unknown as { Middlewares: { Tracing: (broker: ServiceBroker) => TracingHooks } }).Middlewares.Tracing;

/** shouldSample reads only `priority` (for `minPriority`); 5 is Moleculer's default span priority. */
const ROOT_SPAN = { priority: 5 } as unknown as Parameters<Tracer["shouldSample"]>[0];

type TagsFunction = (this: unknown, ctx: Context, response?: unknown) => unknown;

interface TracingDefinition {
	tracing?: boolean | { enabled?: boolean; tags?: unknown; [option: string]: unknown };
}

/** The tags of a span: a summary of the params, or what the handler's own function gives, bounded. */
function platformTags(own: TagsFunction | undefined): TagsFunction {
	return function boundedTags(this: unknown, ctx: Context, response?: unknown): unknown {
		// Moleculer calls this as the span starts and again with the response as it ends.
		if (own) {
			// Moleculer merges the result with Object.assign: only an object may come back.
			const tags = boundedCopy(own.call(this, ctx, response));
			return typeof tags === "object" && tags !== null && !Array.isArray(tags) ? tags : undefined;
		}
		return response === undefined ? { params: boundedCopy(ctx.params) } : undefined;
	};
}

/** The definition the built-in middleware sees: the handler's own, with the platform's tags. */
function withPlatformTags(def: unknown): unknown {
	const original = def as TracingDefinition;
	const tracing = original.tracing;
	if (tracing === false || (typeof tracing === "object" && tracing.enabled === false)) return def;
	const options = typeof tracing === "object" ? tracing : {};
	const own = typeof options.tags === "function" ? (options.tags as TagsFunction) : undefined;
	// A prototype link keeps every other field (name, service, handler) as the built-in one reads it.
	const view = Object.create(original as object) as TracingDefinition;
	view.tracing = { ...options, tags: platformTags(own) };
	return view;
}

export function HeadSampledTracingMiddleware(): Middleware {
	let hooks: TracingHooks | undefined;

	function wrap(kind: keyof TracingHooks, broker: ServiceBroker, next: Handler, def: unknown): Handler {
		hooks ??= builtInTracing(broker);
		const traced = hooks[kind]?.call(broker, next, withPlatformTags(def));
		if (!traced || traced === next) return next;
		const tracer = broker.tracer;
		return function headSampledTracing(this: unknown, ctx: Context): Promise<unknown> {
			if (ctx.tracing == null) ctx.tracing = tracer.shouldSample(ROOT_SPAN);
			return ctx.tracing ? traced.call(this, ctx) : next.call(this, ctx);
		};
	}

	const middleware = {
		name: "Tracing",
		localAction(this: ServiceBroker, next: Handler, action: unknown): Handler {
			return wrap("localAction", this, next, action);
		},
		localEvent(this: ServiceBroker, next: Handler, event: unknown): Handler {
			return wrap("localEvent", this, next, event);
		}
	};
	// Moleculer 0.15 types the hooks with its own handler types; these are the same at run time.
	return middleware as unknown as Middleware;
}
