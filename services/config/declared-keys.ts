/**
 * The keys the live cluster declares, read from the registry: each service that uses the config
 * mixin carries its declarations in its settings (`configKeys`), which Moleculer sends to every
 * node in its INFO packets. The config service therefore knows a key while a service that owns it
 * runs somewhere, and imports none of them.
 *
 * What arrives is network input: each declaration is checked, a malformed or secret-looking one is
 * skipped (and logged once), and its JSON Schema is turned back into a zod validator
 * (`z.fromJSONSchema`), cached by the schema's text.
 */
import type { Service, ServiceBroker } from "moleculer";
import { z } from "zod";
import { text } from "../../runtime/validation/fields.ts";
import { CHANGEABLE_BY, CONFIG_KEYS_SETTING, type ConfigKeyDescriptor, keyNameProblem } from "./config.contract.ts";

export interface DeclaredKey extends ConfigKeyDescriptor {
	validator: z.ZodType;
}

const Descriptor = z.object({
	key: text(200, 1),
	owner: text(100, 1),
	description: text(1_000),
	default: z.unknown(),
	schema: z.record(z.string(), z.unknown()),
	changeableBy: z.enum(CHANGEABLE_BY),
	restartRequired: z.boolean()
});

interface ServiceItem {
	name: string;
	settings?: Record<string, unknown>;
}

export class DeclaredKeys {
	readonly #broker: ServiceBroker;
	readonly #logger: Service["logger"];
	readonly #validators = new Map<string, z.ZodType>();
	readonly #reported = new Set<string>();

	constructor(broker: ServiceBroker, logger: Service["logger"]) {
		this.#broker = broker;
		this.#logger = logger;
	}

	/** Every key declared by a service available now, by name. */
	all(): Map<string, DeclaredKey> {
		const found = new Map<string, DeclaredKey>();
		const services = this.#broker.registry.getServiceList({ onlyLocal: false, onlyAvailable: true, skipInternal: true, withActions: false, withEvents: false }) as ServiceItem[];
		for (const service of services) {
			const declared = service.settings?.[CONFIG_KEYS_SETTING];
			if (!Array.isArray(declared)) continue;
			for (const raw of declared) {
				const key = this.#check(service.name, raw);
				if (key && !found.has(key.key)) found.set(key.key, key);
			}
		}
		return found;
	}

	get(key: string): DeclaredKey | undefined {
		return this.all().get(key);
	}

	#check(serviceName: string, raw: unknown): DeclaredKey | undefined {
		const parsed = Descriptor.safeParse(raw);
		if (!parsed.success) return this.#skip(`${serviceName}:${JSON.stringify(raw).slice(0, 80)}`, `a malformed configuration declaration from ${serviceName} was ignored`);
		const descriptor = parsed.data;
		const problem = descriptor.owner === serviceName ? keyNameProblem(descriptor.key, descriptor.owner) : `declared by ${serviceName} for ${descriptor.owner}`;
		if (problem) return this.#skip(descriptor.key, `configuration key ignored: ${problem}`);
		const validator = this.#validatorOf(descriptor.key, descriptor.schema);
		if (!validator) return undefined;
		return { ...descriptor, validator };
	}

	#validatorOf(key: string, schema: Record<string, unknown>): z.ZodType | undefined {
		const text = JSON.stringify(schema);
		let validator = this.#validators.get(text);
		if (!validator) {
			try {
				validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
			} catch (err) {
				this.#skip(key, `configuration key ${key} ignored: its schema cannot be read (${err instanceof Error ? err.message : String(err)})`);
				return undefined;
			}
			this.#validators.set(text, validator);
		}
		return validator;
	}

	#skip(id: string, message: string): undefined {
		if (!this.#reported.has(id)) {
			this.#reported.add(id);
			this.#logger.error(message);
		}
		return undefined;
	}
}
