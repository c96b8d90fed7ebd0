/** The connectors by source name, as `etl.run` and the CLI name them. */
import type { SourceName } from "../records/raw-document.ts";
import type { Connector } from "./connector.ts";
import { legisinfoConnector } from "./legisinfo.ts";
import { ocdDivisionsConnector } from "./ocd-divisions.ts";
import { openparliamentConnector, type OpenparliamentConfig } from "./openparliament.ts";

export function createConnector(source: SourceName, config: { openparliament?: OpenparliamentConfig } = {}): Connector {
	switch (source) {
		case "ocd":
			return ocdDivisionsConnector();
		case "openparliament":
			return openparliamentConnector(config.openparliament);
		case "legisinfo":
			return legisinfoConnector();
	}
}
