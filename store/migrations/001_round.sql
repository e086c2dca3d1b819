-- The round store: rounds, the files and versions submitted, their values
-- in long form, review states and transitions, and the audit log.
-- Times are UTC text (2006-01-02T15:04:05.000000Z); flags are 0 or 1.

CREATE TABLE rounds (
	code TEXT PRIMARY KEY,
	catalog_yaml TEXT NOT NULL,
	catalog_sha256 TEXT NOT NULL,
	catalog_id TEXT NOT NULL,
	catalog_version TEXT NOT NULL,
	units_name TEXT NOT NULL,
	units_data {{blob}} NOT NULL,
	prior_name TEXT NOT NULL,
	prior_data {{blob}},
	deadline TEXT NOT NULL,
	closed INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL
);

-- Every file's bytes, once, by content.
CREATE TABLE files (
	sha256 TEXT PRIMARY KEY,
	size BIGINT NOT NULL,
	data {{blob}} NOT NULL
);

-- Every file received for a round: accepted (a version of the unit's
-- submission) or refused (with the reason).
CREATE TABLE versions (
	id {{id}},
	round TEXT NOT NULL REFERENCES rounds(code),
	unit TEXT NOT NULL,
	unit_name TEXT NOT NULL,
	sha256 TEXT NOT NULL REFERENCES files(sha256),
	size BIGINT NOT NULL,
	name TEXT NOT NULL,
	source TEXT NOT NULL,
	source_name TEXT NOT NULL,
	sender TEXT NOT NULL,
	message_id TEXT NOT NULL,
	received_at TEXT NOT NULL,
	reported TEXT NOT NULL,
	by_role TEXT NOT NULL,
	by_unit TEXT NOT NULL,
	by_name TEXT NOT NULL,
	by_from TEXT NOT NULL,
	accepted INTEGER NOT NULL,
	reason TEXT NOT NULL,
	errors INTEGER NOT NULL,
	warnings INTEGER NOT NULL,
	explained INTEGER NOT NULL,
	infos INTEGER NOT NULL,
	result {{blob}}
);
CREATE UNIQUE INDEX versions_once ON versions (round, unit, sha256) WHERE accepted = 1;
CREATE INDEX versions_unit ON versions (round, unit);

-- The values of every accepted version in long form: row_no is 0 for a
-- fixed form and the sheet's row number for a list form's record.
CREATE TABLE long_values (
	version_id BIGINT NOT NULL REFERENCES versions(id),
	round TEXT NOT NULL,
	unit TEXT NOT NULL,
	form TEXT NOT NULL,
	indicator TEXT NOT NULL,
	row_no INTEGER NOT NULL,
	value TEXT NOT NULL,
	num {{float}}
);
CREATE INDEX long_values_version ON long_values (version_id);
CREATE INDEX long_values_round ON long_values (round, indicator);

-- Per unit of a round: its review state and its submission of record.
CREATE TABLE unit_states (
	round TEXT NOT NULL REFERENCES rounds(code),
	unit TEXT NOT NULL,
	unit_name TEXT NOT NULL,
	kind TEXT NOT NULL,
	parent TEXT NOT NULL,
	state TEXT NOT NULL,
	record_id BIGINT,
	reason TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL,
	PRIMARY KEY (round, unit)
);

-- Every change of a review state: who, when, why.
CREATE TABLE transitions (
	id {{id}},
	round TEXT NOT NULL,
	unit TEXT NOT NULL,
	action TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state TEXT NOT NULL,
	version_id BIGINT,
	reason TEXT NOT NULL,
	at TEXT NOT NULL,
	by_role TEXT NOT NULL,
	by_unit TEXT NOT NULL,
	by_name TEXT NOT NULL,
	by_from TEXT NOT NULL
);
CREATE INDEX transitions_unit ON transitions (round, unit);

-- Every write and every export.
CREATE TABLE audit (
	id {{id}},
	at TEXT NOT NULL,
	by_role TEXT NOT NULL,
	by_unit TEXT NOT NULL,
	by_name TEXT NOT NULL,
	by_from TEXT NOT NULL,
	action TEXT NOT NULL,
	round TEXT NOT NULL,
	unit TEXT NOT NULL,
	detail TEXT NOT NULL
);

-- The values of each unit's submission of record.
CREATE VIEW record_values AS
	SELECT v.round, v.unit, v.form, v.indicator, v.row_no, v.value, v.num, s.state
	FROM long_values v JOIN unit_states s ON s.round = v.round AND s.unit = v.unit AND s.record_id = v.version_id;
