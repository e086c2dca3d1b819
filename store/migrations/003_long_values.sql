-- long_values without its foreign key and its (round, indicator) index,
-- because checking the key and keeping the index for every value took
-- most of what intake spent on values (a foreign-key trigger a row on
-- PostgreSQL). The store alone writes the table, a version's values in the
-- version's own transaction, and versions are never deleted; queries reach
-- values through version_id (record_values joins the submission of record
-- by it). The columns and their meaning are the same.
DROP VIEW record_values;
CREATE TABLE long_values_new (
	version_id BIGINT NOT NULL,
	round TEXT NOT NULL,
	unit TEXT NOT NULL,
	form TEXT NOT NULL,
	indicator TEXT NOT NULL,
	row_no INTEGER NOT NULL,
	value TEXT NOT NULL,
	num {{float}}
);
INSERT INTO long_values_new SELECT version_id, round, unit, form, indicator, row_no, value, num FROM long_values;
DROP TABLE long_values;
ALTER TABLE long_values_new RENAME TO long_values;
CREATE INDEX long_values_version ON long_values (version_id);
CREATE VIEW record_values AS
	SELECT v.round, v.unit, v.form, v.indicator, v.row_no, v.value, v.num, s.state
	FROM long_values v JOIN unit_states s ON s.round = v.round AND s.unit = v.unit AND s.record_id = v.version_id;
