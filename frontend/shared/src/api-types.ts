/** The shapes of the public routes (README route tables), as the apps read them. */
export interface Pagination {
	offset: number;
	limit: number;
	total: number;
	next_url: string | null;
	previous_url: string | null;
}

export interface List<T> {
	objects: T[];
	pagination: Pagination;
}

export interface PartyRef {
	key: string;
	short_name_en: string | null;
	name_en?: string | null;
}

export interface Party extends PartyRef {
	short_name_fr: string | null;
	name_fr: string | null;
	current_members: number;
}

export interface Bill {
	session: string;
	number: string;
	chamber: "House" | "Senate";
	title_en: string | null;
	title_fr: string | null;
	short_title_en: string | null;
	short_title_fr: string | null;
	sponsor: { slug: string; name: string } | null;
	status_code: string | null;
	status_text_en: string | null;
	status_text_fr?: string | null;
	status_date: string | null;
	introduced: string | null;
	law: boolean;
	private_member: boolean;
	updated_at: string;
	url: string;
}

export interface BillStage {
	stage?: string;
	code?: string;
	name_en?: string | null;
	name_fr?: string | null;
	chamber?: string | null;
	date?: string | null;
}

export interface VoteSummary {
	session: string;
	number: number;
	date: string;
	description_en: string | null;
	description_fr?: string | null;
	result: "Passed" | "Failed" | "Tie" | string;
	yea_total: number;
	nay_total: number;
	paired_total: number;
	bill?: { number: string; url: string } | null;
	url: string;
}

export interface BillDetail extends Bill {
	stages: BillStage[];
	votes: VoteSummary[];
	stances: { support: number; oppose: number };
}

export interface Membership {
	id: string;
	party: PartyRef | null;
	riding: { edid: string; name_en: string | null; ocd_id: string } | null;
	province: string | null;
	start_date: string | null;
	end_date: string | null;
}

export interface Politician {
	slug: string;
	name: string;
	given_name: string | null;
	family_name: string | null;
	image_url: string | null;
	current: boolean;
	membership: Membership | null;
	url: string;
}

export interface RecordFigures {
	votes_cast: number;
	paired: number;
	missed: number;
	votes_with_party_position: number;
	votes_with_party: number;
	votes_with_party_pct: number | null;
	missed_votes_pct: number | null;
}

export interface LatestBallot {
	session: string;
	vote_number: number;
	date: string;
	description_en: string | null;
	description_fr?: string | null;
	ballot: string;
	url: string;
}

export interface PoliticianDetail extends Politician {
	memberships: Membership[];
	latest_ballots: LatestBallot[];
}

export interface DissentBallot {
	session?: string;
	vote_number?: number;
	vote?: { session: string; number: number; date?: string; description_en?: string | null; description_fr?: string | null; url?: string };
	date?: string;
	description_en?: string | null;
	description_fr?: string | null;
	ballot: string;
	party_position: string | null;
	url?: string;
}

export interface VotingRecord {
	politician: { slug: string; url: string };
	overall: RecordFigures;
	sessions: (RecordFigures & { session: string })[];
	dissent: DissentBallot[];
}

export interface PartyResult {
	party: PartyRef | null;
	yes: number;
	no: number;
	paired: number;
	didnt_vote: number;
	position: "Yes" | "No" | null;
	free_vote: boolean;
}

export interface VoteDetail extends VoteSummary {
	party_results: PartyResult[];
	ballots_url: string;
}

export interface Ballot {
	vote: { session: string; number: number; date: string; description_en: string | null; url: string };
	politician: { slug: string; name: string; url: string };
	party: string | null;
	ballot: "Yes" | "No" | "Paired" | "Didn't vote" | string;
	party_position: string | null;
	free_vote: boolean;
	dissent: boolean;
}

export interface Riding {
	ocd_id: string;
	edid: string;
	name_en: string;
	name_fr: string | null;
	province: string;
	valid_from: string | null;
	valid_through: string | null;
	url: string;
}

export interface RidingDetail extends Riding {
	current_member: { slug: string; name: string; party: PartyRef | null; since: string | null; url: string } | null;
}

export interface Session {
	id: string;
	parliament: number;
	session: number;
	bills: number;
	votes: number;
	first_vote: string | null;
	last_vote: string | null;
}

export interface SearchHit {
	kind: "bill" | "politician";
	id: string;
	title: string;
	/** HTML: text with `<mark>` around the matched words, entities escaped. */
	snippet: string;
	rank: number;
	url: string;
}

export interface SourceRun {
	id: string;
	status: string;
	started_at: string;
	finished_at: string | null;
}

export interface SourceStatus {
	source: string;
	last_success: SourceRun | null;
	age_seconds: number | null;
	records: Record<string, number>;
	open_issues: { count: number };
}

export interface Follow {
	id: string;
	kind: "bill" | "politician" | "search";
	bill?: string;
	politician?: string;
	search?: string;
	created_at: string;
}

export type FollowTarget = { bill: string } | { politician: string } | { search: string };

export interface StanceAnswer {
	stance: "support" | "oppose" | null;
	counts: { support: number; oppose: number };
}

/** An inbox item as the notification service keeps it (services/notification/notification.contract.ts). */
export interface Notification {
	id: string;
	kind: string;
	title: string;
	body: string;
	link: string | null;
	createdAt: string;
	readAt: string | null;
}

export interface Inbox extends List<Notification> {
	unread: number;
}

export type NotificationChannel = "email" | "inbox" | "webhook" | "push";

export interface ChannelPreference {
	enabled: boolean;
	/** Each notice at once, or gathered into one message a day at `digestHour`. */
	mode: "immediate" | "daily";
}

export interface NotificationSettings {
	language: "en" | "fr";
	timeZone: string;
	digestHour: number;
	channels: Record<NotificationChannel, ChannelPreference>;
}

export type NotificationSettingsChange = Partial<Omit<NotificationSettings, "channels">> & { channels?: Partial<Record<NotificationChannel, Partial<ChannelPreference>>> };

/** A Plotly figure as the viz service sends it. */
export interface Figure {
	data: Record<string, unknown>[];
	layout?: Record<string, unknown>;
}

export interface PublicUser {
	id: string;
	email: string;
	displayName: string;
	role: string;
	mfaEnabled: boolean;
}

export interface TokenPair {
	tokenType: "Bearer";
	accessToken: string;
	accessTokenExpiresAt: number;
	refreshToken: string;
	user: PublicUser;
}

export interface MfaChallenge {
	mfaRequired: true;
	next: "verify" | "enroll";
	challenge: string;
	expiresAt: number;
}

export interface MfaEnrolment {
	secret: string;
	otpauthUri: string;
}

export interface MfaActivation {
	recoveryCodes: string[];
	tokens?: TokenPair;
}

export interface ApiKey {
	id: string;
	name: string;
	prefix: string;
	scopes: string[];
	createdAt: string;
	revokedAt: string | null;
	lastUsedAt: string | null;
}

export interface OpenApiDocument {
	openapi: string;
	info?: { title?: string; version?: string; description?: string };
	paths?: Record<string, Record<string, { summary?: string; description?: string; tags?: string[] } | undefined>>;
}
