/** Checksums of raw document bodies, equal for equal content whatever the key order. */
export { contentHash as bodyChecksum } from "../canonical-json.ts";
