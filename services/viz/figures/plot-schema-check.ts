/**
 * Checks a figure against plotly.js's own attribute schema (the subset in plot-schema-subset.json,
 * made by scripts/plotly-schema-subset.ts from the plotly.js package's dist/plot-schema.json): every
 * trace type exists, every attribute a trace or the layout sets exists for it, and each value has
 * the attribute's `valType` (enumerated values, flag lists, numbers in range, arrays for data).
 * A figure plotly.js would silently ignore a part of, or reject, fails here instead.
 */
import { readFileSync } from "node:fs";

type Attribute = Record<string, unknown> & { valType?: string };
type Attributes = Record<string, unknown>;

interface SchemaSubset {
	plotlyVersion: string;
	traces: Record<string, { attributes: Attributes; layoutAttributes: Attributes }>;
	layout: { layoutAttributes: Attributes };
}

export const PLOT_SCHEMA: SchemaSubset = JSON.parse(readFileSync(new URL("./plot-schema-subset.json", import.meta.url), "utf8")) as SchemaSubset;

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkValue(path: string, attr: Attribute, value: unknown, problems: string[]): void {
	if (attr.arrayOk === true && Array.isArray(value)) return;
	const fail = (why: string): void => {
		problems.push(`${path}: ${why} (got ${JSON.stringify(value)?.slice(0, 60)})`);
	};
	switch (attr.valType) {
		case "data_array":
		case "info_array":
			if (!Array.isArray(value)) fail(`${attr.valType} expects an array`);
			return;
		case "string":
		case "color":
		case "subplotid":
			if (typeof value !== "string") fail(`${attr.valType} expects a string`);
			return;
		case "boolean":
			if (typeof value !== "boolean") fail("expects a boolean");
			return;
		case "number":
		case "integer":
		case "angle": {
			if (typeof value !== "number" || (attr.valType === "integer" && !Number.isInteger(value))) return fail(`expects a ${attr.valType}`);
			if (typeof attr.min === "number" && value < attr.min) fail(`below ${attr.min}`);
			if (typeof attr.max === "number" && value > attr.max) fail(`above ${attr.max}`);
			return;
		}
		case "enumerated":
			if (!(attr.values as unknown[]).includes(value)) fail(`not one of ${JSON.stringify(attr.values)}`);
			return;
		case "flaglist": {
			const flags = [...((attr.flags as string[] | undefined) ?? []), ...((attr.extras as string[] | undefined) ?? [])];
			if (typeof value !== "string" || !value.split("+").every((f) => flags.includes(f))) fail(`not a combination of ${flags.join(", ")}`);
			return;
		}
		case "any":
			return;
		default:
			fail(`valType ${String(attr.valType)} is not checked here`);
	}
}

function checkObject(path: string, attributes: Attributes, value: Record<string, unknown>, problems: string[]): void {
	for (const [key, v] of Object.entries(value)) {
		const attr = attributes[key];
		const at = path ? `${path}.${key}` : key;
		if (!isObject(attr)) {
			problems.push(`${at}: no such attribute in plotly.js ${PLOT_SCHEMA.plotlyVersion}`);
			continue;
		}
		if (typeof attr.valType === "string") checkValue(at, attr, v, problems);
		else if (isObject(v)) checkObject(at, attr, v, problems);
		else problems.push(`${at}: expects an object of attributes`);
	}
}

/** Every problem found (empty: the figure is valid against the schema). */
export function plotSchemaProblems(figure: { data: unknown[]; layout: Record<string, unknown> }): string[] {
	const problems: string[] = [];
	const layoutAttributes: Attributes = { ...PLOT_SCHEMA.layout.layoutAttributes };
	figure.data.forEach((trace, i) => {
		if (!isObject(trace) || typeof trace.type !== "string") return problems.push(`data[${i}]: a trace needs a type`);
		const schema = PLOT_SCHEMA.traces[trace.type];
		if (!schema) return problems.push(`data[${i}].type: no trace type ${trace.type} in the schema subset`);
		Object.assign(layoutAttributes, schema.layoutAttributes);
		checkObject(`data[${i}]`, schema.attributes, Object.fromEntries(Object.entries(trace).filter(([key]) => key !== "type")), problems);
		return undefined;
	});
	checkObject("layout", layoutAttributes, figure.layout, problems);
	return problems;
}
