-- A reader's own table may refer to the schema it reads.
CREATE TABLE notes (
	id serial PRIMARY KEY,
	thing_id bigint NOT NULL REFERENCES fixture.things (id),
	body text NOT NULL
);
