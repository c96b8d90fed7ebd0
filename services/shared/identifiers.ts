/**
 * The identifiers citizens know (a session `44-1`, a bill `C-10`, a politician's slug), as every
 * read service (web, mobile, viz) validates them: one definition, so a route of one cannot accept
 * what another refuses.
 */
import { z } from "zod";

export const session = z.string().max(5).regex(/^\d{1,2}-\d$/, "must look like 44-1");
/** Bill numbers as the House writes them; `c-10` is read as `C-10`. */
export const billNumber = z.string().max(8).regex(/^[CScs]-\d{1,4}[A-Za-z]?$/, "must look like C-10 or S-203").transform((n) => n.toUpperCase());
export const slug = z.string().max(100).regex(/^[a-z0-9-]+$/, "must be a slug like justin-trudeau");
