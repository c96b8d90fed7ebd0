/**
 * A child process for the "several nodes start at once" test: starts a broker whose service uses
 * DbMixin against DATABASE_URL, reports its health as one JSON line, and stops.
 */
import { ServiceBroker } from "moleculer";
import { runNodeHealthChecks } from "../../mixins/health.mixin.ts";
import { ownerService, readerService } from "./fixture-services.ts";
import { ZodValidator } from "../../runtime/validation/zod-validator.ts";

const url = process.env.DATABASE_URL;
const nodeID = process.argv[2] ?? `migrating-${process.pid}`;
if (!url) throw new Error("DATABASE_URL is required");
const database = { kind: "postgres", url, applicationName: nodeID, poolSize: 3, statementTimeoutMs: 10_000, connectTimeoutMs: 3_000 } as const;

const broker = new ServiceBroker({ validator: new ZodValidator(), nodeID, logger: false });
broker.createService(ownerService(database));
broker.createService(readerService(database));
await broker.start();
const health = await runNodeHealthChecks(broker);
process.stdout.write(`${JSON.stringify({ nodeID, ok: health.ok, reasons: health.reasons })}\n`);
await broker.stop();
