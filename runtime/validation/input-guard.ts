/**
 * What no string or structure from a client may carry, whatever an action's schema says
 * (issue 9): control characters and NUL (PostgreSQL refuses NUL in text, and a refusal there
 * used to surface as a 500), and nesting deeper than any route needs (a deep structure overflowed
 * the stack of code that walks it recursively).
 *
 * Checked on the raw params before the schema runs, iteratively, so the check itself cannot
 * overflow. Tab, line feed and carriage return stay allowed: titles and notes may have them.
 */

export const MAX_PARAMS_DEPTH = 64;

/** C0 controls except \t \n \r, DEL, and the C1 block (a code-unit scan: no regex of control characters). */
export function hasControlCharacter(text: string): boolean {
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f)) return true;
	}
	return false;
}

export interface InputProblem {
	field: string;
	type: "controlCharacter" | "tooDeep";
	message: string;
}

function pathOf(parts: readonly (string | number)[]): string {
	return parts.length === 0 ? "(params)" : parts.join(".");
}

/** The first problem found, or undefined. Walks arrays and plain objects, keys included. */
export function findInputProblem(root: unknown, maxDepth = MAX_PARAMS_DEPTH): InputProblem | undefined {
	const stack: { value: unknown; path: (string | number)[] }[] = [{ value: root, path: [] }];
	while (stack.length > 0) {
		const { value, path } = stack.pop() as { value: unknown; path: (string | number)[] };
		if (typeof value === "string") {
			if (hasControlCharacter(value)) {
				return { field: pathOf(path), type: "controlCharacter", message: `'${pathOf(path)}' must not contain control characters` };
			}
			continue;
		}
		if (typeof value !== "object" || value === null) continue;
		if (path.length >= maxDepth) {
			return { field: pathOf(path), type: "tooDeep", message: `Nested deeper than ${maxDepth} levels` };
		}
		if (Array.isArray(value)) {
			value.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
			continue;
		}
		for (const [key, item] of Object.entries(value)) {
			if (hasControlCharacter(key)) {
				return { field: pathOf(path), type: "controlCharacter", message: "A field name must not contain control characters" };
			}
			stack.push({ value: item, path: [...path, key] });
		}
	}
	return undefined;
}
