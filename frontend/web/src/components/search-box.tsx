/**
 * The search box with type-ahead, as a WAI-ARIA combobox: suggestions from /search (prefix
 * matching) as one types, arrows to move, Enter to open one or to search, Escape to close.
 */
import { type FormEvent, type KeyboardEvent, useEffect, useId, useState } from "react";
import { useNavigate } from "react-router";
import type { SearchHit } from "@openpolicy/frontend-shared/api-types.ts";
import { Snippet } from "@openpolicy/frontend-shared/ui/snippet.tsx";
import { useI18n } from "../i18n.ts";
import { useApi } from "../platform.tsx";
import { appPath } from "./labels.ts";

/** Waits for a pause in typing before asking, so each keystroke is not a request. */
const TYPING_PAUSE_MS = 150;
const SUGGESTIONS = 6;

export function SearchBox({ initial = "" }: { initial?: string }) {
	const api = useApi();
	const i18n = useI18n();
	const navigate = useNavigate();
	const id = useId();
	const [text, setText] = useState(initial);
	const [hits, setHits] = useState<SearchHit[]>([]);
	const [open, setOpen] = useState(false);
	const [active, setActive] = useState(-1);

	useEffect(() => setText(initial), [initial]);

	useEffect(() => {
		const words = text.trim();
		if (words.length < 2) {
			setHits([]);
			return;
		}
		const controller = new AbortController();
		const timer = setTimeout(() => {
			api.search({ q: words, limit: SUGGESTIONS }, controller.signal).then(
				(answer) => {
					setHits(answer.objects);
					setActive(-1);
				},
				() => setHits([])
			);
		}, TYPING_PAUSE_MS);
		return () => {
			clearTimeout(timer);
			controller.abort();
		};
	}, [text, api]);

	const expanded = open && hits.length > 0;

	function go(hit: SearchHit): void {
		setOpen(false);
		void navigate(appPath(hit.url));
	}

	function submit(event: FormEvent): void {
		event.preventDefault();
		const chosen = expanded && active >= 0 ? hits[active] : undefined;
		if (chosen) return go(chosen);
		setOpen(false);
		if (text.trim()) void navigate(`/search?q=${encodeURIComponent(text.trim())}`);
	}

	function onKeyDown(event: KeyboardEvent<HTMLInputElement>): void {
		if (event.key === "ArrowDown" && hits.length > 0) {
			event.preventDefault();
			setOpen(true);
			setActive((a) => (a + 1) % hits.length);
		} else if (event.key === "ArrowUp" && hits.length > 0) {
			event.preventDefault();
			setOpen(true);
			setActive((a) => (a <= 0 ? hits.length - 1 : a - 1));
		} else if (event.key === "Escape") {
			setOpen(false);
			setActive(-1);
		}
	}

	const listId = `${id}-list`;
	return (
		<div className="typeahead">
			<form role="search" onSubmit={submit}>
				<label htmlFor={`${id}-input`} className="visually-hidden">
					{i18n.t("search.label")}
				</label>
				<input
					id={`${id}-input`}
					type="search"
					role="combobox"
					autoComplete="off"
					aria-autocomplete="list"
					aria-expanded={expanded}
					aria-controls={listId}
					aria-activedescendant={expanded && active >= 0 ? `${id}-opt-${active}` : undefined}
					placeholder={i18n.t("search.placeholder")}
					value={text}
					onChange={(event) => {
						setText(event.target.value);
						setOpen(true);
					}}
					onKeyDown={onKeyDown}
					onBlur={() => setOpen(false)}
					onFocus={() => setOpen(true)}
				/>
				<button type="submit">{i18n.t("search.submit")}</button>
			</form>
			<ul id={listId} role="listbox" aria-label={i18n.t("search.suggestions")} hidden={!expanded}>
				{hits.map((hit, i) => (
					<li
						key={`${hit.kind}:${hit.id}`}
						id={`${id}-opt-${i}`}
						role="option"
						aria-selected={i === active}
						// mousedown, not click: the input's blur would close the list before a click lands.
						onMouseDown={(event) => {
							event.preventDefault();
							go(hit);
						}}
					>
						<span className="muted">{i18n.t(hit.kind === "bill" ? "search.bill" : "search.politician")}: </span>
						<Snippet html={hit.snippet} />
					</li>
				))}
			</ul>
		</div>
	);
}
