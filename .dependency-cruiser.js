/**
 * The layer rules of docs/architecture.md, checked on every `npm run lint`. Paths are relative to
 * the repository root. A rule that fails names the two files; the fix is to move code down to the
 * layer both may use (runtime/, access/), or to go through the other service's contract.
 */
const CONTRACT = "^services/[^/]+/[^/]+\\.contract\\.ts$";
// Who may assemble services into a broker (and so import a `<name>.service.ts`): the node
// assembly, entrypoints, benchmarks and tests.
const ASSEMBLERS = "^(platform|cli|bench|test)/|\\.test\\.ts$";
// services/shared/: small modules two or more read services share (the voting record's SQL, cache
// invalidation, identifiers, full-text queries): beside the services, owned by none of them.
const SHARED = "^services/shared/";

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
	forbidden: [
		{
			name: "runtime-is-the-bottom",
			comment: "runtime/ is what every layer stands on: it imports nothing of the platform above it.",
			severity: "error",
			from: { path: "^runtime/", pathNot: "\\.test\\.ts$" },
			to: { path: "^(access|services|gateway|middlewares|mixins|repl|platform|cli|bench|test)/|^moleculer\\.config\\.ts$" }
		},
		{
			name: "runtime-tests-stay-low",
			comment: "A runtime test may use test/ kits, the broker configuration and the service catalog, but no layer's code directly.",
			severity: "error",
			from: { path: "^runtime/.+\\.test\\.ts$" },
			to: { path: "^(access|services|gateway|middlewares|mixins|repl|cli|bench)/" }
		},
		{
			name: "access-is-neutral",
			comment: "access/ (principal, roles, permissions, token verification, API-key parsing) stands on runtime/ only.",
			severity: "error",
			from: { path: "^access/" },
			to: { path: "^(services|gateway|middlewares|mixins|repl|platform|cli|bench|test)/|^moleculer\\.config\\.ts$" }
		},
		{
			name: "middlewares-below-services",
			comment: "A broker middleware runs under every service: it imports no service, gateway, mixin or console code.",
			severity: "error",
			from: { path: "^middlewares/", pathNot: "\\.test\\.ts$" },
			to: { path: "^(services|gateway|mixins|repl|platform|cli|bench)/|^moleculer\\.config\\.ts$" }
		},
		{
			name: "mixins-below-services",
			comment: "A mixin is shared by services: it imports no gateway, middleware or console code, and of a service only its contract.",
			severity: "error",
			from: { path: "^mixins/", pathNot: "\\.test\\.ts$" },
			to: { path: "^(gateway|middlewares|repl|platform|cli|bench)/|^moleculer\\.config\\.ts$" }
		},
		{
			name: "services-import-no-edge-or-console",
			comment: "A service talks through the broker: it imports no gateway, middleware, console or node-assembly code.",
			severity: "error",
			from: { path: "^services/", pathNot: "\\.test\\.ts$" },
			to: { path: "^(gateway|middlewares|repl|platform|cli|bench)/|^moleculer\\.config\\.ts$" }
		},
		{
			name: "gateway-imports-no-console",
			comment: "The gateway is an edge, not an assembly: no console, node assembly or entrypoint code.",
			severity: "error",
			from: { path: "^gateway/", pathNot: "\\.test\\.ts$" },
			to: { path: "^(repl|platform|cli|bench)/" }
		},
		{
			name: "console-stands-on-contracts",
			comment: "The operator console joins the cluster as a client: no gateway, middleware or assembly code.",
			severity: "error",
			from: { path: "^repl/", pathNot: "\\.test\\.ts$" },
			to: { path: "^(gateway|middlewares|platform|cli|bench)/" }
		},
		{
			name: "another-service-only-through-its-contract",
			comment: "Of another service, only services/<name>/<name>.contract.ts may be imported (its .service.ts by tests).",
			severity: "error",
			from: { path: "^services/([^/]+)/" },
			to: {
				path: "^services/[^/]+/",
				// A test may also assemble another service (its .service.ts) with the keys it declares (.config.ts).
				pathNot: ["^services/$1/", CONTRACT, SHARED, "^services/[^/]+/[^/]+\\.(service|config)\\.ts$"]
			}
		},
		{
			name: "a-service-only-through-its-contract",
			comment: "From outside services/, a service is its contract; assemblers (platform, cli, tests) load its .service.ts. Kits under test/ and benchmarks, which build and measure a service's parts, may reach inside.",
			severity: "error",
			// The CLI runs services' parts in its own process (the ETL's lease wait, the deployment's
			// manifests); browser and proxy tests build fixtures as kits do.
			from: { path: "^(?!services/|test/|bench/|cli/|frontend/(e2e|[^/]+/e2e)/|deploy/.+\\.test\\.ts$)" },
			to: { path: "^services/[^/]+/", pathNot: [CONTRACT, "^services/[^/]+/[^/]+\\.service\\.ts$"] }
		},
		{
			name: "a-service-schema-only-for-assemblers",
			comment: "A <name>.service.ts is loaded by the node assembly, entrypoints, benchmarks and tests, never by another layer.",
			severity: "error",
			from: { pathNot: ASSEMBLERS },
			to: { path: "^(services/[^/]+/[^/]+|gateway/gateway)\\.service\\.ts$" }
		},
		{
			name: "test-kits-live-under-test",
			comment: "Sources import no test kit; kits live under test/.",
			severity: "error",
			from: { pathNot: "^(test|bench|frontend/e2e)/|\\.test\\.ts$|^cli/fuzz\\.ts$" },
			to: { path: "^test/|test-kit\\.ts$|/test-fixtures/" }
		},
		{
			name: "no-circular",
			severity: "error",
			from: {},
			to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } }
		},
		{
			name: "not-to-unresolvable",
			severity: "error",
			from: {},
			to: { couldNotResolve: true }
		}
	],
	options: {
		doNotFollow: { path: "node_modules" },
		// The SPAs' sources resolve their shared package through Vite's alias and import nothing of the
		// backend; frontend/tsconfig.json typechecks them.
		exclude: { path: "^(node_modules|\\.tools|data|frontend/[^/]+/dist|frontend/(web|admin|shared)/(src|vite\\.config\\.ts))" },
		tsPreCompilationDeps: true,
		tsConfig: { fileName: "tsconfig.json" },
		enhancedResolveOptions: { extensions: [".ts", ".js", ".json"], exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], mainFields: ["module", "main", "types"] }
	}
};
