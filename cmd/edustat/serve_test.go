package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"edustat/mailing/mailtest"
	"edustat/store"
)

// TestSendPortal: send --portal puts each mailed unit's sign-in link into
// its message, and the link works: it names the unit in the database.
func TestSendPortal(t *testing.T) {
	dir, r := sendFixture(t)
	srv := mailtest.Start(t, mailtest.Config{})
	if code, stdout, stderr := edustat(t, dir, nil, "round", "init", "--db", "r.db", "--round", "2021", "--units", "units.yaml"); code != 0 {
		t.Fatalf("round init: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := edustat(t, dir, nil, sendArgs(srv, "--portal", "https://tongji.example.cn/", "--db", "r.db")...)
	if code != 0 {
		t.Fatalf("send --portal: exit %d\n%s%s", code, stdout, stderr)
	}
	db, err := store.Open(context.Background(), dir+"/r.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	link := regexp.MustCompile(`https://tongji\.example\.cn/s/([A-Za-z0-9_-]{40,})`)
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	for i, u := range r.Units[:2] {
		p, err := mailtest.Parse(msgs[i].Data)
		if err != nil {
			t.Fatal(err)
		}
		m := link.FindStringSubmatch(p.Text)
		if m == nil {
			t.Fatalf("unit %s: no portal link in the message:\n%s", u.Code, p.Text)
		}
		l, err := db.LookupLink(context.Background(), m[1])
		if err != nil || l.Unit != u.Code || l.Round != "2021" {
			t.Errorf("unit %s: the mailed link is %+v, %v", u.Code, l, err)
		}
	}

	// --portal without --db is a usage error.
	if code, _, stderr := edustat(t, dir, nil, sendArgs(srv, "--portal", "https://tongji.example.cn")...); code != 2 || !strings.Contains(stderr, "--portal and --db go together") {
		t.Errorf("send --portal without --db: exit %d, %s", code, stderr)
	}
}
