-- Mail intake (edustat collect): every message read from the bureau's
-- mailbox, how far its handling has come, the reply composed for it, and
-- the files it carried. Written before the reply goes out, so that a rerun
-- after a crash neither stores a file twice nor answers twice.

CREATE TABLE mail_messages (
	id {{id}},
	mailbox TEXT NOT NULL,
	message_id TEXT NOT NULL,
	digest TEXT NOT NULL,
	sender TEXT NOT NULL,
	subject TEXT NOT NULL,
	sent_at TEXT NOT NULL,
	round TEXT NOT NULL,
	state TEXT NOT NULL,
	reply_id TEXT NOT NULL,
	reply_to TEXT NOT NULL,
	reply {{blob}},
	received_at TEXT NOT NULL,
	replied_at TEXT NOT NULL,
	done_at TEXT NOT NULL,
	note TEXT NOT NULL
);
CREATE UNIQUE INDEX mail_messages_once ON mail_messages (message_id, digest);
CREATE INDEX mail_messages_round ON mail_messages (round, id);

CREATE TABLE mail_files (
	message BIGINT NOT NULL REFERENCES mail_messages(id),
	seq INTEGER NOT NULL,
	name TEXT NOT NULL,
	location TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	unit TEXT NOT NULL,
	version_id BIGINT,
	outcome TEXT NOT NULL,
	reason TEXT NOT NULL,
	PRIMARY KEY (message, seq)
);
