// The part of plotly.js-dist-min the apps use (the package ships no types; @types/plotly.js is the
// whole library's surface, far more than a chart needs).
declare module "plotly.js-dist-min" {
	interface PlotlyStatic {
		newPlot(root: HTMLElement, data: Record<string, unknown>[], layout?: Record<string, unknown>, config?: Record<string, unknown>): Promise<unknown>;
		purge(root: HTMLElement): void;
	}
	const Plotly: PlotlyStatic;
	export default Plotly;
}
