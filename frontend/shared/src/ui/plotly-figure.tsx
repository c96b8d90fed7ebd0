/**
 * A Plotly figure from the viz service. plotly.js is about a megabyte gzipped, so it is imported
 * only when a chart is on screen: pages without charts never download it (issue 17's budget).
 */
import { useEffect, useRef, useState } from "react";
import type { Figure } from "../api-types.ts";

export function PlotlyFigure({ figure, title, failedText }: { figure: Figure; title: string; failedText: string }) {
	const root = useRef<HTMLDivElement>(null);
	const [failed, setFailed] = useState(false);
	useEffect(() => {
		const element = root.current;
		if (!element) return;
		let cancelled = false;
		let plotted: { purge(root: HTMLElement): void } | undefined;
		import("plotly.js-dist-min")
			.then(async ({ default: Plotly }) => {
				if (cancelled) return;
				plotted = Plotly;
				await Plotly.newPlot(element, figure.data, { autosize: true, margin: { t: 30, r: 10, b: 40, l: 40 }, ...figure.layout }, { responsive: true, displaylogo: false });
				element.dataset.plotted = "true";
			})
			.catch(() => {
				if (!cancelled) setFailed(true);
			});
		return () => {
			cancelled = true;
			plotted?.purge(element);
		};
	}, [figure]);
	if (failed) return <p className="notice notice-error">{failedText}</p>;
	// A labelled figure around the plot, not role="img" on it: plotly draws interactive controls
	// (its mode bar, hover targets) inside, and an image may not contain controls (axe: nested-interactive).
	return (
		<figure className="chart-frame" aria-label={title}>
			<div ref={root} className="chart" />
		</figure>
	);
}
