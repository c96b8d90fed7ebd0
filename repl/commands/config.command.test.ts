/** The REPL's `config` command against a real config service and an owning service (PGlite in memory). */
import { type ServiceSchema, ServiceBroker } from "moleculer";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigMixin, configKey, declareConfig } from "../../mixins/config.mixin.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { ZodValidator } from "../../runtime/validation/zod-validator.ts";
import { ConfigService } from "../../services/config/config.service.ts";
import { configGet, configHistory, configSet, parseValue } from "./config.command.ts";

const REPL_CONFIG = declareConfig("replfix", {
	"replfix.pageSize": configKey({ schema: z.number().int().min(1).max(100), default: 20, description: "Rows per page", changeableBy: "operator" })
});
const owner: ServiceSchema = { name: "replfix", mixins: [ConfigMixin(REPL_CONFIG)] };

describe("REPL config command", () => {
	let created: TestDatabase;
	let broker: ServiceBroker;
	beforeAll(async () => {
		const pglite = BACKENDS.find((b) => b.name.startsWith("PGlite"));
		if (!pglite) throw new Error("no PGlite backend");
		created = await pglite.create();
		broker = new ServiceBroker({ nodeID: `repl-config-${process.pid}`, logger: false, validator: new ZodValidator() });
		broker.createService(ConfigService({ database: created.config }));
		broker.createService(owner);
		await broker.start();
	});
	afterAll(async () => {
		await broker?.stop();
		await created?.drop();
	});

	it("reads values as JSON when they parse, as text otherwise", () => {
		expect(parseValue("600")).toBe(600);
		expect(parseValue('["https://a.example"]')).toEqual(["https://a.example"]);
		expect(parseValue("null")).toBeNull();
		expect(parseValue("0 3 * * *")).toBe("0 3 * * *");
	});

	it("lists, sets, refuses with the reason, and shows the history", async () => {
		expect(await configGet(broker)).toMatch(/replfix\.pageSize\s+20 \(default\)\s+0\s+operator\s+live/);
		expect(await configSet(broker, "replfix.pageSize", "50", "bigger pages")).toMatch(/^replfix\.pageSize = 50\. Stored as version \d+; applied live/);
		expect(await configSet(broker, "replfix.pageSize", "500", "too big")).toMatch(/^Refused: value Too big: expected number to be <=100/);
		expect(await configSet(broker, "replfix.nothing", "1", "typo")).toMatch(/^Refused \(404\)/);
		expect(await configGet(broker, "replfix.pageSize")).toMatch(/^replfix\.pageSize = 50\n {2}version \d+, by repl:/);
		expect(await configHistory(broker, "replfix.pageSize")).toMatch(/VERSION\s+AT\s+KIND\s+VALUE\s+BY\s+REASON\n.*\n\d+\s+\S+\s+set\s+50\s+repl:\S+\s+bigger pages/);
	});
});
