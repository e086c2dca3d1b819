package portal

import "edustat/store"

// stateLabel is a review state as a page shows it.
type stateLabel struct {
	Text  string // 待审核, 已退回, 已审核通过, 未报送, 有错误待修改
	Class string // badge class: ok, warn, err, none
}

// labelOf names a unit's state for clerks: a submission waiting for its
// county reads 待审核, one with errors 有错误待修改.
func labelOf(st *store.UnitState) stateLabel {
	switch st.State {
	case store.Approved:
		return stateLabel{"已审核通过", "ok"}
	case store.Returned:
		return stateLabel{"已退回", "err"}
	case store.Submitted:
		if st.Errors > 0 {
			return stateLabel{"有错误待修改", "err"}
		}
		return stateLabel{"待审核", "warn"}
	}
	return stateLabel{"未报送", "none"}
}

// clean reports whether a unit's submission waits for review with no
// errors and no warning left without a 说明: one approve-all may take.
func clean(st *store.UnitState) bool {
	return st.State == store.Submitted && st.Record > 0 && st.Errors == 0 && st.Warnings == 0
}
