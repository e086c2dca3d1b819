-- 数据核查 (package screen): the counties' explanations of the suspects of
-- a round, item by item. An answer is never overwritten: a changed text is
-- a new row, and the latest row of an item is its answer. Times are UTC text.

CREATE TABLE screen_answers (
	id {{id}},
	round TEXT NOT NULL REFERENCES rounds(code),
	item TEXT NOT NULL,
	unit TEXT NOT NULL,
	county TEXT NOT NULL,
	explanation TEXT NOT NULL,
	by_role TEXT NOT NULL,
	by_unit TEXT NOT NULL,
	by_name TEXT NOT NULL,
	by_from TEXT NOT NULL,
	at TEXT NOT NULL
);
CREATE INDEX screen_answers_item ON screen_answers (round, item, id);
