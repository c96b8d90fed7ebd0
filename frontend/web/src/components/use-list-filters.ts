/**
 * The filters and offset of a list page, kept in the address so a filtered page can be shared.
 * `key` changes only with the filters or the offset (not with other parameters such as the
 * riding page's selected riding), so it names what the list's load depends on and remounts the
 * filter form when the address changes under it.
 */
import type { FormEvent } from "react";
import { useSearchParams } from "react-router";

export interface ListFilters<N extends string> {
	params: URLSearchParams;
	setParams: (next: URLSearchParams) => void;
	query: Partial<Record<N, string>>;
	offset: number;
	key: string;
	apply: (event: FormEvent<HTMLFormElement>) => void;
	setOffset: (offset: number) => void;
}

/** `unset` names a filter's default value: choosing it leaves the parameter out of the address. */
export function useListFilters<N extends string>(names: readonly N[], unset: Partial<Record<N, string>> = {}): ListFilters<N> {
	const [params, setParams] = useSearchParams();
	const query: Partial<Record<N, string>> = {};
	for (const name of names) {
		const value = params.get(name);
		if (value !== null) query[name] = value;
	}
	const offset = Number(params.get("offset") ?? 0) || 0;
	const key = [...names.map((name) => query[name] ?? ""), offset].join("|");

	function apply(event: FormEvent<HTMLFormElement>): void {
		event.preventDefault();
		const form = new FormData(event.currentTarget);
		const next = new URLSearchParams();
		for (const name of names) {
			const value = form.get(name);
			if (typeof value === "string" && value !== "" && value !== unset[name]) next.set(name, value);
		}
		setParams(next);
	}

	function setOffset(next: number): void {
		const copy = new URLSearchParams(params);
		copy.set("offset", String(next));
		setParams(copy);
	}

	return { params, setParams, query, offset, key, apply, setOffset };
}
