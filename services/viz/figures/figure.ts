/** A Plotly figure as the viz service sends it, and the labels every chart shares, in both languages. */

export type Lang = "en" | "fr";

/** One trace: only the attributes these charts use (each checked against plotly.js's schema in viz.figures.test.ts). */
export type Trace = {
	type: "bar" | "scatter";
	name?: string;
	x: (string | number)[];
	y: (number | null)[];
	mode?: "lines+markers" | "lines" | "markers";
	marker?: { color: string };
	line?: { color: string };
	customdata?: unknown[];
	hovertemplate?: string;
	connectgaps?: boolean;
};

export type Layout = {
	title: { text: string };
	barmode?: "stack" | "group";
	xaxis: { title: { text: string }; type?: "category" | "date"; tickformat?: string };
	yaxis: { title: { text: string }; range?: [number, number]; ticksuffix?: string; rangemode?: "tozero" };
	legend?: { orientation: "h" | "v" };
	showlegend?: boolean;
	hovermode?: "closest" | "x unified" | "x";
	separators?: string;
};

export interface Figure {
	data: Trace[];
	layout: Layout;
}


/** French writes 12,5 and 1 000: Plotly's `separators` is the decimal then the thousands mark. */
export function separatorsFor(lang: Lang): string {
	return lang === "fr" ? ", " : ".,";
}

export const BALLOT_LABELS = {
	Yes: { en: "Yes", fr: "Pour" },
	No: { en: "No", fr: "Contre" },
	Paired: { en: "Paired", fr: "Pairé" },
	"Didn't vote": { en: "Didn't vote", fr: "N'a pas voté" }
} as const;

export const BALLOT_COLOURS = { Yes: "#2e7d32", No: "#c62828", Paired: "#9e9e9e", "Didn't vote": "#e0e0e0" } as const;

export const MONTH = { en: "Month", fr: "Mois" } as const;
