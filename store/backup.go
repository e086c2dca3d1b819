package store

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// ErrBackupPostgres means the database is a PostgreSQL one, which the
// server's own tools back up (pg_dump), not edustat.
var ErrBackupPostgres = errors.New("a PostgreSQL round database is backed up with pg_dump")

// Backup writes a consistent copy of an SQLite round database to path, a
// file that must not exist yet, while other processes go on reading and
// writing the database (SQLite's VACUUM INTO: the copy is of one moment,
// compacted). A PostgreSQL database returns ErrBackupPostgres.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect != sqlite {
		return fmt.Errorf("%s: %w", db.name, ErrBackupPostgres)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("back up %s: %s exists: name a new file", db.name, path)
	}
	if _, err := db.sql.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path) // a part of a copy is no copy
		return fmt.Errorf("back up %s to %s: %w", db.name, path, err)
	}
	return nil
}
