import { defineConfig } from "vitest/config";

// Cluster tests start real child-process nodes on a 2-core machine: run files one at a time so
// timing-sensitive scenarios (failure detection within 3 s) are not starved by each other.
export default defineConfig({
	test: {
		include: ["**/*.test.ts"],
		exclude: ["node_modules/**", ".tools/**", "data/**"],
		fileParallelism: false,
		testTimeout: 60_000,
		hookTimeout: 60_000,
		reporters: ["default"]
	}
});
