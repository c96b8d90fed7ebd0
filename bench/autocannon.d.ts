// The part of autocannon's API the benchmarks use (the package ships no types).
declare module "autocannon" {
	interface AutocannonOptions {
		url: string;
		connections?: number;
		duration?: number;
		pipelining?: number;
		reconnectRate?: number;
		method?: string;
	}
	interface Histogram {
		average: number;
		total: number;
		p50: number;
		p99: number;
	}
	interface AutocannonResult {
		requests: Histogram;
		latency: Histogram;
		errors: number;
		timeouts: number;
		non2xx: number;
		statusCodeStats: Record<string, { count: number }>;
	}
	function autocannon(options: AutocannonOptions): Promise<AutocannonResult>;
	export default autocannon;
}
