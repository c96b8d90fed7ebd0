/**
 * Moleculer's Tracing middleware, entered only by calls that will be exported.
 *
 * Why it wraps the built-in one: Moleculer decides sampling inside the span it builds, so at a 1 %
 * rate the other 99 % of calls still copy their params into tags and build and finish a span
 * (FACTS.md: sampling decides only what is exported). bench/scenarios/gateway.ts measured tracing
 * at about 7 µs of CPU per gateway request. Here the decision is made first, once per trace (head
 * sampling): a call whose context has no decision yet draws one from the tracer's own sampler, the
 * decision travels to every nested and remote call in `ctx.tracing`, and only sampled calls go
 * through the built-in middleware, which builds their spans exactly as before.
 */
import type { Context, Middleware, ServiceBroker, Tracer } from "moleculer";
import * as moleculer from "moleculer";

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

export function HeadSampledTracingMiddleware(): Middleware {
	let hooks: TracingHooks | undefined;

	function wrap(kind: keyof TracingHooks, broker: ServiceBroker, next: Handler, def: unknown): Handler {
		hooks ??= builtInTracing(broker);
		const traced = hooks[kind]?.call(broker, next, def);
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
