/**
 * Bounded, redacted copies of values for telemetry and logs, and a JSON size that cannot throw.
 *
 * Why hand-written: JSON.stringify recurses (a deep value overflows the stack), throws on a BigInt
 * or a cycle, and copies secrets as readily as anything else; issue 9 saw it end a node from a
 * tracing timer. A copy made here is JSON-safe by construction: depth, keys, items, string length
 * and the number of values visited are all capped, and a key that names a secret or personal datum
 * keeps only the fact that it was there. The walk never recurses deeper than `maxDepth`, so it
 * cannot overflow either, and a getter or proxy that throws is shown as unreadable.
 */

export interface SummaryLimits {
	maxDepth: number;
	maxKeys: number;
	maxItems: number;
	maxString: number;
	/** Values visited in all; past it, what remains is elided. */
	maxNodes: number;
}

/** For span tags: enough to see what a call was about, never the payload itself. */
export const SPAN_TAG_LIMITS: SummaryLimits = { maxDepth: 3, maxKeys: 24, maxItems: 8, maxString: 128, maxNodes: 200 };

/** Keys whose values never leave a process in telemetry: credentials, one-time codes, personal data. */
const SENSITIVE_KEY = /passw|passphrase|secret|token|authori[sz]ation|cookie|api[-_]?key|private[-_]?key|credential|totp|^otp$|recovery|e-?mail|phone|^code$|^key$|signature|jwt/i;

export const REDACTED = "[redacted]";

export function isSensitiveKey(key: string): boolean {
	return SENSITIVE_KEY.test(key);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function boundedCopy(value: unknown, limits: SummaryLimits = SPAN_TAG_LIMITS): Json {
	let nodes = 0;
	const seen = new Set<object>();

	function copy(v: unknown, depth: number): Json {
		if (++nodes > limits.maxNodes) return "[elided]";
		switch (typeof v) {
			case "string":
				return v.length > limits.maxString ? `${v.slice(0, limits.maxString)}...[${v.length} chars]` : v;
			case "number":
				return Number.isFinite(v) ? v : String(v);
			case "boolean":
				return v;
			case "bigint":
				return `${v.toString().slice(0, limits.maxString)}n`;
			case "undefined":
				return null;
			case "symbol":
			case "function":
				return `[${typeof v}]`;
		}
		if (v === null) return null;
		const obj = v as object;
		if (seen.has(obj)) return "[cycle]";
		if (depth >= limits.maxDepth) return Array.isArray(obj) ? `[array of ${obj.length}]` : "[object]";
		seen.add(obj);
		try {
			if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
			if (obj instanceof Error) return { name: copy(obj.name, depth + 1), message: copy(obj.message, depth + 1) };
			if (ArrayBuffer.isView(obj)) return `[${obj.constructor.name} of ${obj.byteLength} bytes]`;
			if (Array.isArray(obj)) {
				const items = obj.slice(0, limits.maxItems).map((item: unknown) => copy(item, depth + 1));
				if (obj.length > limits.maxItems) items.push(`[${obj.length - limits.maxItems} more]`);
				return items;
			}
			const out: Record<string, Json> = {};
			const keys = Object.keys(obj);
			for (const key of keys.slice(0, limits.maxKeys)) {
				// A key is client text too: a 1 MB key would make a 1 MB tag.
				const name = key.length > limits.maxString ? `${key.slice(0, limits.maxString)}...` : key;
				out[name] = isSensitiveKey(key) ? REDACTED : copy((obj as Record<string, unknown>)[key], depth + 1);
			}
			if (keys.length > limits.maxKeys) out["[more keys]"] = keys.length - limits.maxKeys;
			return out;
		} catch {
			return "[unreadable]";
		} finally {
			seen.delete(obj);
		}
	}

	return copy(value, 0);
}

/** JSON text of a bounded copy: always a string, never an exception. */
export function safeStringify(value: unknown, limits?: SummaryLimits): string {
	try {
		return JSON.stringify(boundedCopy(value, limits));
	} catch {
		return '"[unserialisable]"';
	}
}

/**
 * The UTF-8 size of `value` as JSON, or undefined when it cannot be serialised (a cycle, a BigInt,
 * a depth that overflows the stack). For values already bounded, where the exact size matters.
 */
export function jsonByteSize(value: unknown): number | undefined {
	try {
		const text = JSON.stringify(value);
		return text === undefined ? 0 : Buffer.byteLength(text);
	} catch {
		return undefined;
	}
}
