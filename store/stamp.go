package store

import (
	"context"
	"database/sql"
	"fmt"
)

// RecordStamp returns a number that changes whenever the submission of
// record of any unit of the round may have changed: the last version
// received for the round (versions are never deleted or rewritten, and a
// record changes only when a version arrives). Callers cache what they
// derive from the records, such as the round's 数据核查, under it; two
// servers on one database see the same stamp.
func (db *DB) RecordStamp(ctx context.Context, round string) (int64, error) {
	var id sql.NullInt64
	if err := db.sql.QueryRowContext(ctx, db.q("SELECT MAX(id) FROM versions WHERE round = ?"), round).Scan(&id); err != nil {
		return 0, fmt.Errorf("round %s: last version: %w", round, err)
	}
	return id.Int64, nil
}
