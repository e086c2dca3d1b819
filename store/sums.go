package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// SchoolValues calls fn with the fixed-form numeric values of the
// submissions of record of the schools of county (with UseApproved, of its
// approved schools only), limited to the given indicators (all when none),
// ordered by unit and indicator. It reads the long values, not the stored
// validation results, so a county's total costs one query over its own
// schools' rows. A submission of record that is not among the versions is
// ErrCorrupt.
func (db *DB) SchoolValues(ctx context.Context, round, county string, use Use, indicators []string, fn func(LongValue) error) error {
	if err := db.roundExists(ctx, round); err != nil {
		return err
	}
	if err := db.checkRecords(ctx, round, county); err != nil {
		return err
	}
	q := `SELECT v.unit, v.form, v.indicator, v.value, v.num, v.version_id
		FROM unit_states s JOIN long_values v ON v.version_id = s.record_id AND v.unit = s.unit
		WHERE s.round = ? AND s.parent = ? AND s.kind = 'school' AND v.row_no = 0 AND v.num IS NOT NULL`
	args := []any{round, county}
	if use == UseApproved {
		q += " AND s.state = ?"
		args = append(args, string(Approved))
	}
	if len(indicators) > 0 {
		q += " AND v.indicator IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(indicators)), ", ") + ")"
		for _, in := range indicators {
			args = append(args, in)
		}
	}
	rows, err := db.sql.QueryContext(ctx, db.q(q+" ORDER BY v.unit, v.indicator"), args...)
	if err != nil {
		return fmt.Errorf("values of the schools of %s: %w", county, err)
	}
	defer rows.Close()
	for rows.Next() {
		lv := LongValue{Round: round}
		var num sql.NullFloat64
		if err := rows.Scan(&lv.Unit, &lv.Form, &lv.Indicator, &lv.Value, &num, &lv.Version); err != nil {
			return err
		}
		lv.Num = &num.Float64
		if err := fn(lv); err != nil {
			return err
		}
	}
	return rows.Err()
}
