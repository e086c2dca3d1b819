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
// file that must not exist yet and is made readable by its owner only,
// while other processes go on reading and writing the database (SQLite's
// VACUUM INTO: the copy is of one moment, compacted). A PostgreSQL
// database returns ErrBackupPostgres.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect != sqlite {
		return fmt.Errorf("%s: %w", db.name, ErrBackupPostgres)
	}
	// The file is made here, empty (which VACUUM INTO accepts), so that
	// a failure removes only what this call made.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("back up %s: %s exists: name a new file", db.name, path)
	}
	if err != nil {
		return fmt.Errorf("back up %s: %w", db.name, err)
	}
	f.Close()
	if _, err := db.sql.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path) // a part of a copy is no copy
		return fmt.Errorf("back up %s to %s: %w", db.name, path, err)
	}
	return nil
}
