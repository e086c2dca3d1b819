package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"edustat/roster"
	"edustat/store"
)

// TestMailRecords: a message is recorded once with its files and reply,
// moves through its states only from the state expected, and reads back.
func TestMailRecords(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		initDemo(t, db)
		at := time.Date(2021, 1, 11, 1, 30, 0, 0, time.UTC)
		m := &store.Mail{
			Mailbox: "tongji@127.0.0.1/INBOX", MessageID: "abc@example.cn", Digest: "d1", Sender: "rencheng-jy@example.cn",
			Subject: "回复：数据采集表", SentAt: at, Round: "2020", State: store.MailStored,
			ReplyID: "edustat.reply.1@example.cn", ReplyTo: "rencheng-jy@example.cn", Reply: []byte("From: x\r\n\r\nbody"),
			Received: at.Add(time.Minute),
			Files: []store.MailFile{
				{Name: "任城区.xlsx", SHA256: "aa", Unit: "370811", VersionID: 0, Outcome: "已拒收", Reason: "发件邮箱不是登记的"},
				{Name: "报表.rar", Location: "压缩包", Outcome: "无法读取", Reason: "RAR"},
			},
		}
		if err := db.RecordMail(ctx, m); err != nil {
			t.Fatalf("RecordMail: %v", err)
		}
		if m.ID == 0 {
			t.Fatal("RecordMail set no ID")
		}
		again := *m
		if err := db.RecordMail(ctx, &again); !errors.Is(err, store.ErrMailTaken) {
			t.Errorf("RecordMail of the same message again: %v, want ErrMailTaken", err)
		}
		other := *m
		other.Digest, other.Files = "d2", nil
		if err := db.RecordMail(ctx, &other); err != nil {
			t.Errorf("RecordMail of the same Message-ID with other files: %v, want it recorded", err)
		}
		got, err := db.Mail(ctx, "abc@example.cn", "d1")
		if err != nil {
			t.Fatalf("Mail: %v", err)
		}
		if diff := cmp.Diff(m, got); diff != "" {
			t.Errorf("Mail (-want +got):\n%s", diff)
		}
		if _, err := db.Mail(ctx, "abc@example.cn", "nope"); !errors.Is(err, store.ErrNoMail) {
			t.Errorf("Mail of an unknown digest: %v, want ErrNoMail", err)
		}

		if err := db.SetMailState(ctx, m.ID, store.MailReplied, store.MailDone, ""); !errors.Is(err, store.ErrMailState) {
			t.Errorf("SetMailState from the wrong state: %v, want ErrMailState", err)
		}
		for _, step := range [][2]store.MailState{{store.MailStored, store.MailSending}, {store.MailSending, store.MailReplied}, {store.MailReplied, store.MailDone}} {
			if err := db.SetMailState(ctx, m.ID, step[0], step[1], ""); err != nil {
				t.Fatalf("SetMailState %s → %s: %v", step[0], step[1], err)
			}
		}
		if err := db.SetMailState(ctx, m.ID, store.MailStored, store.MailSending, ""); !errors.Is(err, store.ErrMailState) {
			t.Errorf("SetMailState of a message done: %v, want ErrMailState", err)
		}
		mails, err := db.Mails(ctx, "2020")
		if err != nil {
			t.Fatal(err)
		}
		if len(mails) != 2 || mails[0].State != store.MailDone || mails[0].Replied.IsZero() || mails[0].Done.IsZero() || mails[0].Reply != nil || len(mails[0].Files) != 2 {
			t.Errorf("Mails = %+v, want two, the first done with its times and files and without the reply's bytes", mails)
		}
	})
}

// TestSubmitCheck: a file the caller's Check refuses is recorded as
// refused with the reason, on both databases.
func TestSubmitCheck(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		initDemo(t, db)
		f := fileOf(t, "370811")
		var seen string
		src := store.Source{Kind: "mail", Name: "INBOX", Sender: "attacker@qq.example", MessageID: "x@y", At: f.at,
			Check: func(units *roster.Roster, unit string) string {
				seen = unit
				if units.Unit(unit) == nil {
					return "no roster"
				}
				return "发件邮箱未登记"
			}}
		rc, err := db.Submit(ctx, "2020", f.name, f.data, src, store.Actor{Role: store.RoleSystem, Name: "mail", From: "attacker@qq.example"})
		if err != nil {
			t.Fatal(err)
		}
		if rc.Outcome != store.Refused || rc.Reason != "发件邮箱未登记" || seen != "370811" {
			t.Fatalf("Submit with a refusing Check: %v %q (Check saw %q), want refused with its reason for 370811", rc.Outcome, rc.Reason, seen)
		}
		vs, err := db.Versions(ctx, "2020", "370811")
		if err != nil {
			t.Fatal(err)
		}
		want := []store.Version{{Unit: "370811", Accepted: false, Reason: "发件邮箱未登记"}}
		if diff := cmp.Diff(want, vs, cmpopts.IgnoreFields(store.Version{}, "ID", "Round", "UnitName", "SHA256", "Size", "Name", "Source", "By", "Reported", "Errors", "Warnings", "Explained", "Infos")); diff != "" {
			t.Errorf("Versions (-want +got):\n%s", diff)
		}
	})
}
