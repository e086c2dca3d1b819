package demo

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"edustat/store"
)

// TestDemoStore: the demo loads its round into edustat.db, reviews it, and
// the database consolidates to the folder's figures.
func TestDemoStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	out := runDemoIn(t, dir)
	for _, want := range []string{
		"收取 55 个文件：新报送 55 个，重复 0 个，已拒收 0 个",
		"已审核通过 53 个单位",
		"已退回  3137000602 嘉祥县第三中学：有1条逻辑错误",
		"从数据库汇总与从文件夹汇总的结果一致",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo report lacks %q:\n%s", want, out)
		}
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.UnitState(context.Background(), "2020", "3137000602")
	if err != nil || st.State != store.Returned {
		t.Fatalf("嘉祥县第三中学 in edustat.db: %+v, %v; want 已退回", st, err)
	}
	tr, err := db.Transitions(context.Background(), "2020", "370829")
	if err != nil || len(tr) != 2 || tr[1].Action != "approve" || tr[1].Reason == "" {
		t.Errorf("嘉祥县's transitions = %+v, %v; want submit, then approve with a reason", tr, err)
	}
}
