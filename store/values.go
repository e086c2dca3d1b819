package store

import (
	"context"
	"database/sql"
)

// LongValue is one value of a submission in long form.
type LongValue struct {
	Round, Unit, Form, Indicator string
	Row                          int // 0 for a fixed form; the sheet's row for a list form's record
	Value                        string
	Num                          *float64 // nil for text
	Version                      int64
}

// Values calls fn with every value of every unit's submission of record,
// ordered by unit, form, row and indicator code. A submission of record
// that is not among the versions is ErrCorrupt.
func (db *DB) Values(ctx context.Context, round string, fn func(LongValue) error) error {
	if err := db.checkRecords(ctx, round, ""); err != nil {
		return err
	}
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT v.round, v.unit, v.form, v.indicator, v.row_no, v.value, v.num, v.version_id
		FROM long_values v JOIN unit_states s ON s.round = v.round AND s.unit = v.unit AND s.record_id = v.version_id
		WHERE v.round = ? ORDER BY v.unit, v.form, v.row_no, v.indicator`), round)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var lv LongValue
		var num sql.NullFloat64
		if err := rows.Scan(&lv.Round, &lv.Unit, &lv.Form, &lv.Indicator, &lv.Row, &lv.Value, &num, &lv.Version); err != nil {
			return err
		}
		if num.Valid {
			lv.Num = &num.Float64
		}
		if err := fn(lv); err != nil {
			return err
		}
	}
	return rows.Err()
}
