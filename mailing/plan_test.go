package mailing_test

import (
	"path/filepath"
	"testing"

	"edustat/mailing"
)

func TestPlan(t *testing.T) {
	dir, units := fixture(t)
	log, err := mailing.OpenLog(filepath.Join(dir, mailing.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	sha := func(i int) string {
		items := mailing.Plan(units[i:i+1], nil, mailing.PlanOptions{Round: round, Dir: dir, FileName: fileName})
		return items[0].SHA256
	}
	sent := func(i int, sum string, to ...string) {
		t.Helper()
		if to == nil {
			to = units[i].Emails()
		}
		r := record(units[i].Code, mailing.ResultSent)
		r.SHA256, r.To = sum, to
		if err := log.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	sent(0, sha(0))                                  // 370811: sent this template
	sent(1, sha(1), "yanzhou@example.cn")            // 370812: one address is new
	sent(2, "0000")                                  // 370826: sent another template
	failed := record("370890", mailing.ResultFailed) // a failure is not a send
	if err := log.Append(failed); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		resend []string
		want   map[string]string // unit -> why
	}{
		{"plain", nil, map[string]string{
			"370811": mailing.WhySent, "370812": mailing.WhyAddresses, "370826": mailing.WhyChanged, "370890": mailing.WhyNoAddress,
		}},
		{"resend", []string{"370811", "370890"}, map[string]string{
			"370811": mailing.WhyResend, "370812": mailing.WhyAddresses, "370826": mailing.WhyChanged, "370890": mailing.WhyNoAddress,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items := mailing.Plan(units, log, mailing.PlanOptions{Round: round, Dir: dir, FileName: fileName, Resend: tc.resend})
			for _, it := range items {
				if it.Why != tc.want[it.Unit.Code] {
					t.Errorf("unit %s: why = %q, want %q", it.Unit.Code, it.Why, tc.want[it.Unit.Code])
				}
				wantAction := mailing.Send
				switch it.Why {
				case mailing.WhySent:
					wantAction = mailing.Skip
				case mailing.WhyNoAddress:
					wantAction = mailing.NoAddress
				}
				if it.Action != wantAction {
					t.Errorf("unit %s: action = %v, want %v", it.Unit.Code, it.Action, wantAction)
				}
			}
		})
	}

	// Another round starts afresh.
	for _, it := range mailing.Plan(units[:3], log, mailing.PlanOptions{Round: "2022", Dir: dir, FileName: fileName}) {
		if it.Why != mailing.WhyNew || it.Action != mailing.Send {
			t.Errorf("unit %s in 2022: why = %q; want new", it.Unit.Code, it.Why)
		}
	}
}
