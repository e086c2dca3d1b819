-- PostgreSQL compressed every file's bytes with pglz on insert, which
-- took most of the server's time in intake: the files are zip archives and
-- do not compress, so they are stored as they are (out of line, never
-- compressed). The gob of a version's validation result does compress,
-- with lz4 in a fraction of pglz's time.
{{postgres}} ALTER TABLE files ALTER COLUMN data SET STORAGE EXTERNAL;
{{postgres}} ALTER TABLE versions ALTER COLUMN result SET COMPRESSION lz4;
