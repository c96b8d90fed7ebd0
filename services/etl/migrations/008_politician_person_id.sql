-- The House of Commons' own id for a person (ourcommons.ca `PersonId`; openparliament publishes it
-- as `other_info.parl_mp_id`): what the House's vote records name members by. Not unique: two rows
-- claiming one id is a data-quality problem to report, not a constraint to fail a run on.
ALTER TABLE politicians ADD COLUMN parl_person_id text;
CREATE INDEX politicians_parl_person_id ON politicians (parl_person_id);
