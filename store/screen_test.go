package store_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/store"
)

// TestScreenAnswers stores counties' explanations of 数据核查 items: each
// with who and when, never overwritten, only for the county's own items.
func TestScreenAnswers(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		initDemo(t, db)
		item := store.ScreenAnswer{Item: "SCR_SCH_COMPUTERS-2137000102", Unit: "2137000102", County: "370811", Explanation: "属实：新建计算机教室"}
		blank := store.ScreenAnswer{Item: "SCR_X-370811", Unit: "370811", County: "370811", Explanation: "  "}
		n, err := db.SaveScreenAnswers(ctx, "2020", []store.ScreenAnswer{item, blank}, county)
		if err != nil || n != 1 {
			t.Fatalf("SaveScreenAnswers = %d, %v; want 1 stored (the blank skipped)", n, err)
		}
		// The same text again stores nothing.
		if n, err := db.SaveScreenAnswers(ctx, "2020", []store.ScreenAnswer{item}, county); err != nil || n != 0 {
			t.Errorf("the same answer again = %d, %v; want 0", n, err)
		}
		// Another county may not answer for 任城区.
		if _, err := db.SaveScreenAnswers(ctx, "2020", []store.ScreenAnswer{item}, otherCnty); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("another county answers: %v, want ErrForbidden", err)
		}
		if _, err := db.SaveScreenAnswers(ctx, "2019", []store.ScreenAnswer{item}, county); !errors.Is(err, store.ErrNoRound) {
			t.Errorf("unknown round: %v, want ErrNoRound", err)
		}
		// A changed text is stored beside the first and becomes the answer.
		changed := item
		changed.Explanation = "填错，应为261台，已重报"
		if n, err := db.SaveScreenAnswers(ctx, "2020", []store.ScreenAnswer{changed}, bureau); err != nil || n != 1 {
			t.Fatalf("changed answer = %d, %v; want 1", n, err)
		}
		got, err := db.ScreenAnswers(ctx, "2020")
		if err != nil {
			t.Fatal(err)
		}
		a := got[item.Item]
		if len(got) != 1 || a.Explanation != changed.Explanation || a.By != bureau || a.At.IsZero() {
			t.Errorf("ScreenAnswers = %+v, want the bureau's changed answer with its time", got)
		}
		entries, err := db.Audit(ctx, store.AuditFilter{Round: "2020", Action: "screen.answer"})
		if err != nil {
			t.Fatal(err)
		}
		var who []string
		for _, e := range entries {
			who = append(who, e.By.Name+" "+e.Detail)
		}
		if diff := cmp.Diff([]string{"任城区 " + item.Item, "市局 " + item.Item}, who); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
	})
}
