/**
 * A notification node in a process of its own, for the crash test: the platform's broker options,
 * the notification service on the PostgreSQL database in NOTIFY_TEST_DATABASE_URL, and nothing
 * else. Prints READY once its worker can claim deliveries.
 */
import { ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config.ts";
import type { DbService } from "../../mixins/db.mixin.ts";
import { loadEnv } from "../../runtime/env.ts";
import { NotificationService } from "../../services/notification/notification.service.ts";

const url = process.env.NOTIFY_TEST_DATABASE_URL;
if (!url) throw new Error("NOTIFY_TEST_DATABASE_URL is required");
const env = loadEnv({ NODE_ENV: "test", NAMESPACE: process.env.NAMESPACE ?? "notify-crash", NODE_ID: process.env.NODE_ID ?? `notify-${process.pid}`, LOG_LEVEL: "warn" });
const broker = new ServiceBroker(createBrokerOptions(env));
broker.createService(
	NotificationService({ database: { kind: "postgres", url, applicationName: "notify-crash", poolSize: 5, statementTimeoutMs: 10_000, connectTimeoutMs: 3_000 }, source: process.env })
);
await broker.start();
await (broker.getLocalService("notification") as unknown as DbService).dbReady(Number.POSITIVE_INFINITY);
process.stdout.write("READY\n");
